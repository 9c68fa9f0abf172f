// The build half of a deploy: get the source, read what it says about itself (berth.yml,
// Procfile, app.json), and build its image — or reuse one built from the same inputs.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { BerthError, Failed, messageOf } from '../../errors.js';
import { BuildLogCleaner } from '../../infra/docker/build-output.js';
import { cloneRepo, redactUrl } from '../../infra/git/git.js';
import { checkGrants } from '../policy/app-grants.js';
import { checkContainerCount, parseAppJson, parseProcfile, type AppJson, type Processes } from '../apps/procfile.js';
import type { Deps } from '../context.js';
import { applySettings, checkLimits, specOfApp, specOfSource, type ReleaseSpec } from '../apps/release-spec.js';
import { appFolder, extractUpload, folderFiles, readManifest, readSourceFile, refuseLinks, sourceEntry, writeSourceFile } from '../source/source.js';
import { detectStack } from '../stacks/detect.js';
import { loadTemplates } from '../stacks/templates.js';
import { imageVersionLine } from '../stacks/versions.js';
import { imageRepo } from './cleanup.js';
import { uploadPath, type DeploySource } from './deploy-source.js';
import { admitImage, checkDockerfile, isLocalGitUrl } from './source-policy.js';
import { transitionBuild } from './states.js';
import { pauseForTests } from './test-pause.js';

export interface BuildParams {
  appId: number;
  buildId: number;
  deploymentId: number;
  source: DeploySource;
}

export interface Built {
  image: string;
  /** What the release runs with (processes included: '' runs the image's own CMD; `release` runs once). */
  spec: ReleaseSpec;
  /** Run once after the first release of the app (app.json scripts.postdeploy). */
  postdeploy?: string;
  /** app.json scripts.dokku: predeploy runs before the release's containers start, postdeploy after every switch. */
  dokku?: { predeploy?: string; postdeploy?: string };
}

/** Builds (or reuses) the deployment's image; throws a BerthError saying why when it cannot. */
export async function buildPhase(deps: Deps, p: BuildParams, workDir: string, log: (l: string) => void): Promise<Built> {
  const app = deps.db.apps.get(p.appId)!;
  const tag = `d${p.deploymentId}`;
  const image = `${imageRepo(deps, app)}:${tag}`;
  transitionBuild(deps.db, p.buildId, 'fetching');

  if (p.source.kind === 'image') {
    // Without localSources: the owner's own, a base image or a registry's (pulled now); tagged
    // by the id checked, so nothing can move the name in between.
    const found = p.source.localSources ? await deps.images.image(p.source.image) : await admitImage(deps, app.owner, p.source.image, log);
    if (!found) throw Failed(`image ${p.source.image} is not on this host`, { hint: 'build or pull it first, or push it to a registry the host can reach' });
    // Tag it as this app's own, so cleanup removes Berth's tag and never the user's image.
    await deps.images.tagImage(p.source.localSources ? p.source.image : found.id, imageRepo(deps, app), tag);
    log(`-----> using image ${p.source.image}`);
    // Read now, inside the app's job: a scale or domain change queued before this job is kept.
    const base = p.source.spec ?? specOfApp(app, p.source.processes ?? { web: '' });
    const spec = p.source.settings ? applySettings(base, p.source.settings) : base;
    // A rolled-back release's domains may belong to another app by now.
    checkGrants(deps, app, { domains: spec.domains, capabilities: spec.capabilities });
    transitionBuild(deps.db, p.buildId, 'succeeded', { image });
    return { image, spec };
  }

  const src = join(workDir, 'src');
  let sourceId: string;
  if (p.source.kind === 'upload') {
    log('-----> unpacking uploaded source');
    [sourceId] = await Promise.all([fileDigest(uploadPath(deps, p.buildId)), extractUpload(uploadPath(deps, p.buildId), src, { maxBytes: deps.config.limits.sourceBytes, maxFiles: deps.config.limits.sourceFiles })]);
  } else {
    log(`-----> fetching ${redactUrl(p.source.url)} at ${p.source.ref}`);
    sourceId = await cloneRepo({
      url: p.source.url,
      ref: p.source.ref,
      dir: src,
      allowFile: p.source.localSources === true && isLocalGitUrl(p.source.url),
      knownHosts: join(deps.config.dataDir, 'ssh', 'known_hosts'),
    });
    log(`       commit ${sourceId}`);
  }
  await pauseForTests('fetch', log);
  const manifest = readManifest(src);
  const dir = appFolder(src, manifest?.root);
  const appJsonText = readSourceFile(dir, 'app.json');
  const appJson = appJsonText === null ? undefined : parseAppJson(appJsonText);
  const processes = readProcesses(dir, appJson);
  // The release's spec; the app itself changes only when the release is live (deploy-runner).
  const spec = specOfSource(app, processes, manifest, appJson);
  checkContainerCount(processes, spec.formation, deps.config.limits.containersPerApp);
  // Domains and capabilities beyond what an admin allows the owner fail the deploy here, before anything runs.
  checkGrants(deps, app, { ...(manifest?.domains ? { domains: spec.domains } : {}), ...(manifest ? { capabilities: spec.capabilities } : {}) });
  if (manifest?.limits) checkLimits(manifest.limits, { memoryMb: deps.config.maxMemoryMb, cpus: deps.config.maxCpus }, 'berth.yml: limits');
  if (manifest?.name && manifest.name !== app.name) log(`       note: berth.yml names app ${manifest.name}; deploying it as ${app.name}`);
  if (manifest || appJson) log(`       read settings from ${[manifest ? 'berth.yml' : '', appJson ? 'app.json' : ''].filter(Boolean).join(' and ')}`);
  for (const n of appJson?.notes ?? []) log(`       note: ${n}`);
  if (Object.keys(processes).length > 1 || processes.web !== '') log(`       processes: ${Object.keys(processes).join(', ')}`);
  // No Dockerfile: detect the stack and generate one from templates/ (berth generate shows it).
  const plan = detectStack(folderFiles(dir), loadTemplates(), {
    images: deps.config.images,
    runtime: manifest?.runtime,
    start: manifest?.start,
    build: manifest?.build,
    port: spec.port ?? 8080,
  });
  if (plan.dockerfile) {
    writeSourceFile(dir, 'Dockerfile', plan.dockerfile);
    if (sourceEntry(dir, '.dockerignore') === null) writeSourceFile(dir, '.dockerignore', loadTemplates().dockerignore);
    log(`-----> detected ${plan.label}: generated a Dockerfile (see it with \`berth generate\`)`);
  }
  for (const n of plan.notes) log(`       note: ${n}`);
  // One line when the base image's runtime is not the version the app asks for; the build goes on.
  const versionLine = plan.version && (await imageVersionLine(deps.images, plan.version.ask, plan.version.image));
  if (versionLine) log(`       ${versionLine}`);
  // The builder reads .dockerignore itself, following links: refuse one here.
  refuseLinks(dir, '.dockerignore');

  // Dockerfiles may name Berth's base images through these build arguments.
  const i = deps.config.images;
  const buildArgs = { BERTH_IMAGE_BASE: i.base, BERTH_IMAGE_NODE: i.node, BERTH_IMAGE_PYTHON: i.python, BERTH_IMAGE_GO: i.go, BERTH_IMAGE_STATIC: i.static };
  // Every image the Dockerfile makes the builder read must be one this deploy may use (another
  // owner's is refused; a registry's is pulled now): the shared engine builds with pull off.
  if (!p.source.localSources) await checkDockerfile(deps, app.owner, dir, buildArgs, log);
  const built = { spec, ...(appJson?.postdeploy ? { postdeploy: appJson.postdeploy } : {}), ...(appJson?.dokku ? { dokku: appJson.dokku } : {}) };
  // Same source, same build arguments and same base images build the same image: reuse it.
  const baseIds = await Promise.all(Object.values(buildArgs).map(async (ref) => (await deps.images.image(ref))?.id ?? 'none'));
  const digest = createHash('sha256').update([sourceId, manifest?.root ?? '', plan.dockerfile ?? '', JSON.stringify(buildArgs), ...baseIds].join('\0')).digest('hex');
  deps.db.builds.setDigest(p.buildId, digest);
  const reusable = deps.db.builds.reusableImage(p.appId, digest);
  if (reusable && (await deps.images.image(reusable))) {
    await deps.images.tagImage(reusable, imageRepo(deps, app), tag);
    log(`-----> source unchanged: reusing ${reusable}`);
    transitionBuild(deps.db, p.buildId, 'succeeded', { image });
    return { image, ...built };
  }

  transitionBuild(deps.db, p.buildId, 'building');
  log(`-----> building ${image}`);
  // What the builder prints, as a person reads it (see BuildLogCleaner).
  const shown = new BuildLogCleaner((l) => {
    if (!l.startsWith('[Warning] One or more build-args')) log(`       ${l}`);
  });
  try {
    await deps.images.build({
      contextDir: dir,
      tag: image,
      // No labels: each is one more build step after the last changed layer. Berth finds its
      // images by name (<prefix>/<owner>/<app>:d<deployment>) instead.
      labels: {},
      buildArgs,
      limits: { timeoutSeconds: deps.config.buildTimeoutSeconds, memoryMb: deps.config.buildMemoryMb, cpus: deps.config.buildCpus, processes: deps.config.buildProcesses },
      // Berth passes every base image; a Dockerfile using only some of them is not a problem.
      onLog: (l) => {
        shown.push(l);
        // Each step's image, so a restart can remove what an interrupted build left untagged.
        const step = STEP_IMAGE.exec(l);
        if (step) deps.db.builds.addStepImage(p.buildId, step[1]!);
        // Mid-build (the builder keeps going while the test kills the server).
        if (l.startsWith('Step 1/')) void pauseForTests('build', log);
      },
    });
    shown.end();
  } catch (e) {
    shown.end();
    // A failed build may still have tagged nothing; make sure of it.
    await deps.images.removeImage(image).catch(() => undefined);
    throw e instanceof BerthError ? e : Failed(`build failed: ${messageOf(e)}`);
  }
  transitionBuild(deps.db, p.buildId, 'succeeded', { image });
  return { image, ...built };
}

/** How the builder names the image a step made. */
const STEP_IMAGE = /^\s*---> ([0-9a-f]{12,64})\s*$/;

/** Procfile processes (app.json's predeploy as the release command when it has none), else web = CMD. */
function readProcesses(src: string, appJson: AppJson | undefined): Processes {
  const procfile = readSourceFile(src, 'Procfile');
  const processes = procfile === null ? {} : parseProcfile(procfile);
  if (!processes.release && appJson?.predeploy) processes.release = appJson.predeploy;
  const running = Object.keys(processes).filter((t) => t !== 'release');
  if (running.length === 0) processes.web = '';
  return processes;
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
