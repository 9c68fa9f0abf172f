// `berth images bootstrap`: Berth's runtime base images built from a Debian mirror, for hosts
// that cannot pull from Docker Hub. debootstrap -> docker import gives the base; the small
// Dockerfiles in images/ add Node.js, Python 3, Go or a static file server. Each image carries
// a hash of its recipe, so a second run with nothing changed only inspects images, and the
// version of its runtime (asked of the image once, here), which builds compare with what an
// app asks for (stacks/versions.ts) without starting anything.
import { createHash, randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BaseImages } from '../../config.js';
import { Failed, Invalid, messageOf } from '../../errors.js';
import { chrootRun, debootstrap, tarStream } from '../../infra/debootstrap/debootstrap.js';
import type { ImageStore, Scheduler } from '../ports.js';
import { parseProbeOutput, RUNTIME_VERSION_LABEL, VERSION_PROBES, type VersionedRuntime } from '../stacks/versions.js';

/** What building base images needs of the engine. */
export interface BootstrapEngine {
  ping(): Promise<void>;
  images: ImageStore;
  /** Runs `node --version` and the like in a throwaway container of a fresh image. */
  containers: Pick<Scheduler, 'runOnce'>;
}

export const IMAGE_KINDS = ['base', 'node', 'python', 'go', 'static'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** Bump when the way the base is made changes, so cached images are rebuilt. */
const RECIPE_VERSION = '1';
const SUITE = 'bookworm';
export const RECIPE_LABEL = 'berth.recipe';
const CA_IN_IMAGE = '/usr/local/share/ca-certificates/berth-site.crt';

export interface BootstrapParams {
  images: BaseImages;
  /** Folder holding images/<kind>/Dockerfile. */
  recipesDir: string;
  mirror?: string | undefined;
  caFile?: string | undefined;
  only?: string[] | undefined;
  force?: boolean | undefined;
  log: (line: string) => void;
}

/** The Debian mirror this host's apt uses, else Debian's default. */
export function defaultMirror(): string {
  const sources = '/etc/apt/sources.list.d/debian.sources';
  if (existsSync(sources)) {
    const m = /^URIs:\s*(\S+)/m.exec(readFileSync(sources, 'utf8'));
    if (m?.[1]) return m[1];
  }
  if (existsSync('/etc/apt/sources.list')) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(https?:\/\/\S+)\s+\S+\s+main/m.exec(readFileSync('/etc/apt/sources.list', 'utf8'));
    if (m?.[1]) return m[1];
  }
  return 'http://deb.debian.org/debian';
}

/** GET url and resolve to the status; node:http rather than fetch, which refuses some ports outright. */
function getStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith('https:') ? httpsGet : httpGet)(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000}s`)));
    req.on('error', reject);
  });
}

async function checkMirror(mirror: string): Promise<void> {
  const url = `${mirror.replace(/\/$/, '')}/dists/${SUITE}/Release`;
  try {
    const status = await getStatus(url, 20_000);
    if (status !== 200) throw new Error(`${url} answered ${status}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw Failed(`the Debian mirror ${mirror} cannot be used: ${code ? `${code} for ${url}` : messageOf(e)}`, {
      hint: 'pass a reachable mirror with --mirror URL (the URIs: line of your apt sources)',
    });
  }
}

const sha = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24);

/**
 * The hash an image built from a recipe folder on top of `baseId` carries (label berth.recipe):
 * the same kind, version, base and files make the same hash, so nothing is rebuilt. Base
 * runtimes and add-on images alike.
 */
export function recipeHash(kind: string, version: string, baseId: string, dir: string): string {
  return sha(kind, version, baseId, ...readdirSync(dir).sort().map((f) => `${f}:${readFileSync(join(dir, f), 'utf8')}`));
}

export async function bootstrapImages(docker: BootstrapEngine, p: BootstrapParams): Promise<{ built: string[]; cached: string[] }> {
  const mirror = p.mirror ?? defaultMirror();
  if (!/^https?:\/\/[^\s]+$/.test(mirror)) throw Invalid(`mirror ${JSON.stringify(mirror)} is not an http(s) URL`);
  const only = p.only ?? [...IMAGE_KINDS];
  for (const k of only) if (!(IMAGE_KINDS as readonly string[]).includes(k)) throw Invalid(`unknown image ${k}; choose from ${IMAGE_KINDS.join(', ')}`);
  let ca = '';
  if (p.caFile) {
    if (!existsSync(p.caFile)) throw Invalid(`CA file ${p.caFile} does not exist`);
    ca = readFileSync(p.caFile, 'utf8');
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw Invalid(`CA file ${p.caFile} holds no PEM certificate`);
  }
  await docker.ping();
  const built: string[] = [];
  const cached: string[] = [];

  // The base, which every other image starts from, is needed whenever anything is built.
  const baseRecipe = sha('base', RECIPE_VERSION, mirror, SUITE, ca);
  const base = await docker.images.image(p.images.base);
  if (!p.force && base?.labels[RECIPE_LABEL] === baseRecipe) {
    cached.push(p.images.base);
  } else {
    await checkMirror(mirror);
    await buildBase(docker, { ...p, mirror, ca, recipe: baseRecipe });
    built.push(p.images.base);
  }
  const baseId = (await docker.images.image(p.images.base))!.id;

  for (const kind of IMAGE_KINDS) {
    if (kind === 'base' || !only.includes(kind)) continue;
    const ref = p.images[kind];
    const dir = join(p.recipesDir, kind);
    const recipe = recipeHash(kind, RECIPE_VERSION, baseId, dir);
    const have = await docker.images.image(ref);
    if (!p.force && have?.labels[RECIPE_LABEL] === recipe) {
      // Made before Berth recorded runtime versions: record it now, without a rebuild.
      if (kind !== 'static' && !have.labels[RUNTIME_VERSION_LABEL]) await labelVersion(docker, ref, kind, p.log);
      cached.push(ref);
      continue;
    }
    p.log(`-----> building ${ref}`);
    await docker.images.build({
      contextDir: dir,
      tag: ref,
      labels: { [RECIPE_LABEL]: recipe, 'berth.image': kind },
      buildArgs: { BASE: p.images.base },
      onLog: (l) => p.log(`       ${l}`),
    });
    if (kind !== 'static') await labelVersion(docker, ref, kind, p.log);
    built.push(ref);
  }
  return { built, cached };
}

/**
 * Asks the image for its runtime's version and tags it again with one more layer holding only
 * that label (a build cannot label itself with what it installed). A probe that fails leaves
 * the image unlabelled — builds then say the version is unknown — rather than failing the run.
 */
export async function labelVersion(docker: BootstrapEngine, ref: string, kind: VersionedRuntime, log: (l: string) => void): Promise<void> {
  let out = '';
  const code = await docker.containers.runOnce(
    { name: `berth-probe-${kind}-${randomBytes(4).toString('hex')}`, image: ref, env: {}, labels: {}, network: 'none', memoryMb: 256, cpus: 1, pidsLimit: 64, cmd: VERSION_PROBES[kind] },
    (l) => (out += `${l}\n`),
    60_000,
  );
  const version = code === 0 ? parseProbeOutput(kind, out) : null;
  if (!version) {
    log(`       note: could not read the ${kind} version of ${ref} (${VERSION_PROBES[kind].join(' ')} exited ${code}: ${out.trim().slice(0, 200)}); builds will call it unknown`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'berth-label-'));
  try {
    await writeFile(join(dir, 'Dockerfile'), `FROM ${ref}\n`);
    await docker.images.build({ contextDir: dir, tag: ref, labels: { [RUNTIME_VERSION_LABEL]: version }, onLog: () => undefined });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  log(`-----> ${ref} has ${kind} ${version}`);
}

async function buildBase(docker: BootstrapEngine, p: BootstrapParams & { mirror: string; ca: string; recipe: string }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-rootfs-'));
  try {
    p.log(`-----> debootstrap ${SUITE} from ${p.mirror} (about half a minute)`);
    try {
      await debootstrap({ suite: SUITE, dir, mirror: p.mirror, include: ['ca-certificates'], timeoutMs: 15 * 60_000, onLog: () => undefined });
    } catch (e) {
      throw Failed(`debootstrap from ${p.mirror} failed: ${messageOf(e)}`);
    }
    const env = ['LANG=C.UTF-8'];
    if (p.ca) {
      await copyFile(p.caFile!, join(dir, CA_IN_IMAGE));
      await chrootRun(dir, ['update-ca-certificates']);
      // ENV in the base reaches every later RUN step and every app: node, npm and OpenSSL trust the site CA.
      env.push(`NODE_EXTRA_CA_CERTS=${CA_IN_IMAGE}`, 'npm_config_cafile=/etc/ssl/certs/ca-certificates.crt');
    }
    for (const junk of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const f of await readdir(join(dir, junk)).catch(() => [] as string[])) {
        if (f !== 'partial' && f !== 'lock') await rm(join(dir, junk, f), { recursive: true, force: true });
      }
    }
    p.log(`-----> importing ${p.images.base}`);
    const [repo, tag = 'latest'] = splitRef(p.images.base);
    const tar = tarStream(dir);
    await Promise.all([
      docker.images.importImage(tar.stream, repo, tag, [...env.map((e) => `ENV ${e}`), `LABEL ${RECIPE_LABEL}=${p.recipe} berth.image=base`, 'CMD ["bash"]']),
      tar.done,
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function splitRef(ref: string): [string, string | undefined] {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, undefined];
}
