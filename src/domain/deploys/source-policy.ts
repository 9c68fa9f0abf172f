// What a deploy may be made from, decided before anything runs: git URLs over the network for
// everyone and local paths for admins; images of the deploying app's own owner, Berth's base
// images, or a registry's (pulled fresh, with no credentials) — in a deploy of an image and in
// every image a Dockerfile reads. `localSources` (admins, Berth's own checked re-deploys) lifts it.
import { BerthError, Failed, Invalid } from '../../errors.js';
import type { ImageInfo } from '../../infra/docker/engine.js';
import { redactUrl } from '../../infra/git/git.js';
import type { Deps } from '../context.js';
import { readSourceFile } from '../source/source.js';
import { dockerfileImages, triggerImages, type DockerfileImages } from './dockerfile-images.js';

// ---- git

/** Accepts https://, http://, ssh://, user@host:path, and absolute local paths and file:///; throws Invalid otherwise. */
export function validateGitUrl(url: unknown): string {
  if (typeof url !== 'string' || url.trim() === '') throw Invalid('git URL is required');
  const u = url.trim();
  const reason = `git URL ${JSON.stringify(redactUrl(u).slice(0, 80))} is not allowed: use https://, http://, ssh://, user@host:path or an absolute local path`;
  if (u.length > 2048 || /[\s\0]/.test(u) || u.startsWith('-')) throw Invalid(reason);
  if (u.includes('::')) throw Invalid(reason); // transport::address (ext::, fd::) helpers
  if (/^(https?|ssh):\/\/[^/]/.test(u)) return u;
  if (/^file:\/\/\//.test(u)) return u;
  if (u.startsWith('/') && !u.includes('\\')) return u;
  if (/^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:[^/]/.test(u) || /^[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+:\//.test(u)) return u;
  throw Invalid(reason);
}

/** A branch, tag or commit: git's ref-name rules, and never something that reads as an option. */
export function validateGitRef(ref: unknown): string {
  if (typeof ref !== 'string' || ref === '') throw Invalid('git ref is required');
  if (ref.length > 255 || ref.startsWith('-') || ref.includes('..') || ref.endsWith('.lock') || ref.endsWith('/') || ref.endsWith('.') || !/^[A-Za-z0-9._/+-]+$/.test(ref)) {
    throw Invalid(`git ref ${JSON.stringify(ref.slice(0, 80))} is not a valid branch, tag or commit name`);
  }
  return ref;
}

/** A path or file:// URL on this host (as opposed to https, http, ssh or user@host:path). */
export const isLocalGitUrl = (url: string): boolean => url.startsWith('/') || /^file:/i.test(url);

/** The git source if this deploy may use it: local paths (any repository on the host, other owners' included) only with `localSources`. */
export function checkGitSource(url: unknown, ref: unknown, o: { localSources: boolean }): { url: string; ref: string } {
  const u = validateGitUrl(url);
  const r = validateGitRef(ref);
  if (isLocalGitUrl(u) && !o.localSources) {
    throw Invalid('local git paths are for admins', { hint: "deploy from an https://, http:// or ssh:// URL, or push to the app's git remote on Berth" });
  }
  return { url: u, ref: r };
}

// ---- images

const IMAGE_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function validateImageRef(image: unknown): string {
  if (typeof image !== 'string' || !IMAGE_RE.test(image) || image.length > 255) {
    throw Invalid(`image ${JSON.stringify(String(image).slice(0, 80))} is not a valid image reference (e.g. registry:5000/team/app:1.2)`);
  }
  return image;
}

/** What a deploy of `owner`'s app may name: its owner's image repository prefix and Berth's base images. */
export interface ImageScope {
  owner: string;
  /** config.containerPrefix: the owner's images are <prefix>/<owner>/<app>. */
  prefix: string;
  baseImages: readonly string[];
}

export const imageScope = (deps: Deps, owner: string): ImageScope => ({ owner, prefix: deps.config.containerPrefix, baseImages: Object.values(deps.config.images) });

interface ParsedRef {
  /** The registry as written (docker.io included), if any. */
  domain: string | undefined;
  /** The repository as Docker shows it locally (no docker.io/, no library/). */
  repo: string;
  tag: string | undefined;
  digest: string | undefined;
  /** repo:tag (latest when none) or repo@digest, as in an image's RepoTags or RepoDigests. */
  name: string;
}

const HUB = new Set(['docker.io', 'index.docker.io']);

/** Splits a reference the way Docker does (a registry is a first part with . or : in it, or localhost). */
export function parseImageRef(ref: string): ParsedRef {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  let rest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const domain = slash >= 0 && (/[.:]/.test(first) || first === 'localhost') ? first : undefined;
  if (domain) rest = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let repo = domain && !HUB.has(domain) ? `${domain}/${rest}` : rest;
  if (!(domain && !HUB.has(domain)) && /^library\/[^/]+$/.test(repo)) repo = repo.slice('library/'.length);
  return { domain, repo, tag, digest, name: digest ? `${repo}@${digest}` : `${repo}:${tag ?? 'latest'}` };
}

export interface ImagePlan {
  /** own: an image of the owner's apps; base: one of Berth's base images; registry: pulled fresh. */
  kind: 'own' | 'base' | 'registry';
  /** What to pull (registry) or look up (own, base). */
  ref: string;
  parsed: ParsedRef;
}

const allowedHint = (s: ImageScope) =>
  `use an image of one of ${s.owner}'s apps (${s.prefix}/${s.owner}/<app>:<tag>), one of Berth's base images (${s.baseImages.join(', ')}), or name a registry (e.g. docker.io/library/node:20): Berth pulls it`;

/**
 * Where `ref` may come from for a deploy of `scope.owner`'s app (pure): throws Invalid for
 * other owners' images, Berth's own under another spelling, local images of the host, and
 * image ids.
 */
export function planImage(ref: string, scope: ImageScope): ImagePlan {
  const r = parseImageRef(validateImageRef(ref));
  const refused = (why: string) => Invalid(`image ${ref} ${why}`, { hint: allowedHint(scope) });
  const bases = scope.baseImages.map(parseImageRef);
  const berths = r.repo.startsWith(`${scope.prefix}/`) || bases.some((b) => b.repo === r.repo);
  if (berths) {
    // docker.io/<prefix>/... is the local image under another name; pulling it would replace it.
    if (r.domain) throw refused(`names Berth's own image ${r.repo} through ${r.domain}`);
    if (r.digest) throw refused('names a Berth image by digest: name it by its tag');
    if (bases.some((b) => b.name === r.name)) return { kind: 'base', ref: r.name, parsed: r };
    if (r.repo.startsWith(`${scope.prefix}/${scope.owner}/`)) return { kind: 'own', ref: r.name, parsed: r };
    throw refused(`is not one of ${scope.owner}'s images`);
  }
  if (r.domain) {
    const path = HUB.has(r.domain) ? `${r.domain}/${r.repo.includes('/') ? r.repo : `library/${r.repo}`}` : r.repo;
    return { kind: 'registry', ref: r.digest ? `${path}@${r.digest}` : `${path}:${r.tag ?? 'latest'}`, parsed: r };
  }
  throw refused(/^(sha256:)?[0-9a-f]{6,64}$/.test(ref) ? 'is an image id: deploys name images by repository and tag' : 'is a local image of this host, not one of yours, nor from a registry');
}

/**
 * Makes `ref` usable for a deploy of `owner`'s app: pulls a registry's image fresh (no
 * credentials: the registry decides who gets it), and checks that the reference resolves to an
 * image carrying exactly that name (never an id prefix). Returns the image.
 */
export async function admitImage(deps: Deps, owner: string, ref: string, log?: (l: string) => void): Promise<ImageInfo> {
  const plan = planImage(ref, imageScope(deps, owner));
  if (plan.kind === 'registry') {
    log?.(`       pulling ${plan.ref}`);
    await deps.images.pull(plan.ref);
  }
  const info = await deps.images.image(plan.ref);
  if (!info) throw Failed(`image ${ref} is not on this host`, { hint: 'build or pull it first, or push it to a registry the host can reach' });
  // A registry image pulled by digest is that content; anything else must carry the name asked for.
  if (!(plan.kind === 'registry' && plan.parsed.digest) && !info.tags.includes(plan.parsed.name)) {
    throw Invalid(`image ${ref} does not resolve to an image named ${plan.parsed.name}`, { hint: allowedHint(imageScope(deps, owner)) });
  }
  return info;
}

const refuseProblems = (found: DockerfileImages, where: string) => {
  if (found.problems.length > 0) throw Invalid(`${where}: ${found.problems[0]}`, { hint: "name images literally or through ARGs with defaults (and Berth's BERTH_IMAGE_* build arguments)" });
};

/**
 * Checks every image the app folder's Dockerfile makes the builder read (FROM, COPY/ADD
 * --from, RUN --mount from=, ONBUILD triggers, and those of every FROM image) with
 * admitImage; registry images are pulled here, so the build finds them fresh.
 */
export async function checkDockerfile(deps: Deps, owner: string, dir: string, buildArgs: Readonly<Record<string, string>>, log: (l: string) => void): Promise<void> {
  // Without a Dockerfile the builder reads `dockerfile`: both are checked, whichever it takes.
  for (const file of ['Dockerfile', 'dockerfile']) {
    const text = readSourceFile(dir, file);
    if (text === null) continue;
    const found = dockerfileImages(text, buildArgs);
    refuseProblems(found, file);
    const seen = new Map<string, ImageInfo>();
    for (const u of found.images) {
      const at = `${file} line ${u.line}: ${u.what} ${u.ref}`;
      let info = seen.get(u.ref);
      try {
        info ??= await admitImage(deps, owner, u.ref, log);
      } catch (e) {
        if (e instanceof BerthError) throw new BerthError(e.code, `${at}: ${e.message}`, e.hint ? { hint: e.hint } : {});
        throw e;
      }
      seen.set(u.ref, info);
      if (u.what !== 'FROM' || !info.onBuild?.length) continue;
      // A base image's ONBUILD triggers run in this build: they may read images too.
      const triggers = triggerImages(info.onBuild);
      refuseProblems(triggers, `${at}: its ONBUILD triggers`);
      for (const t of triggers.images) {
        try {
          await admitImage(deps, owner, t.ref, log);
        } catch (e) {
          if (e instanceof BerthError) throw new BerthError(e.code, `${at}: its ONBUILD ${t.what.replace(/^ONBUILD /, '')} ${t.ref}: ${e.message}`, e.hint ? { hint: e.hint } : {});
          throw e;
        }
      }
    }
  }
}
