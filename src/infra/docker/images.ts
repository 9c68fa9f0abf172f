// Docker images: builds (limited, cancelled on time-out, cleaned up after), imports, pulls,
// tags and removal. Implements the domain's ImageStore.
import { readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Failed, messageOf } from '../../errors.js';
import { BuildCgroups } from './build-cgroups.js';
import { BuildLines, JsonLines, MAX_LINE, type BuildMessage } from './build-output.js';
import { isNotFound, realTags, type Docker } from './common.js';
import type { BuildParams, ImageInfo } from './types.js';

export class DockerImages {
  private readonly cgroups: BuildCgroups;
  private readonly warn: (message: string) => void;
  /** The engine's cgroup version when builds can get a pids limit; a reason when not. */
  private cgroupSupport?: Promise<{ version: string } | { reason: string }>;

  constructor(
    private readonly docker: Docker,
    opts: { buildCgroupPrefix?: string; warn?: (message: string) => void; removeContainer: (id: string) => Promise<void> },
  ) {
    this.cgroups = new BuildCgroups({ prefix: opts.buildCgroupPrefix ?? 'berth' });
    this.warn = opts.warn ?? (() => undefined);
    this.removeContainer = opts.removeContainer;
  }

  /** Removes a build step's container at once (the containers module's remove, no grace). */
  private readonly removeContainer: (id: string) => Promise<void>;

  /** Asked once: can builds get a parent cgroup with a pids limit here? Sweeps old ones. */
  private buildCgroupSupport(): Promise<{ version: string } | { reason: string }> {
    this.cgroupSupport ??= (async () => {
      const info = (await this.docker.info()) as { CgroupDriver?: string; CgroupVersion?: string };
      const engine = { driver: info.CgroupDriver ?? '', version: info.CgroupVersion ?? '1' };
      const reason = await this.cgroups.unsupported(engine);
      if (reason) {
        this.warn(`builds run without a pids limit: ${reason}`);
        return { reason };
      }
      await this.cgroups.sweep(engine.version);
      return { version: engine.version };
    })().catch((e: unknown) => {
      this.cgroupSupport = undefined; // the engine did not answer: ask again next build
      throw e;
    });
    return this.cgroupSupport;
  }

  /**
   * Builds contextDir (honouring its .dockerignore) into `tag`; throws Failed with the builder's
   * error. A build over its time limit is cancelled (the engine kills and removes the step's
   * container when the connection drops; Berth makes sure of it), and a failed build's untagged
   * step images are removed.
   */
  async build(p: BuildParams): Promise<void> {
    const src = await readdir(p.contextDir);
    const started = Date.now();
    const abort = new AbortController();
    const l = p.limits;
    const support = l ? await this.buildCgroupSupport() : undefined;
    const cgroup = l && support && 'version' in support ? { parent: await this.cgroups.create(l.processes, support.version), version: support.version } : undefined;
    const limits = l
      ? {
          ...(cgroup ? { cgroupparent: cgroup.parent } : {}),
          memory: l.memoryMb * 1024 * 1024,
          memswap: l.memoryMb * 1024 * 1024,
          cpuperiod: 100_000,
          cpuquota: Math.max(1000, Math.round(l.cpus * 100_000)),
          ulimits: JSON.stringify([{ Name: 'nproc', Soft: l.processes, Hard: l.processes }]),
        }
      : {};
    let timedOut = false;
    const timer = l
      ? setTimeout(() => {
          timedOut = true;
          abort.abort();
        }, l.timeoutSeconds * 1000)
      : undefined;
    const lines = new BuildLines(p.onLog);
    let failure: string | undefined;
    try {
      const stream = (await this.docker.buildImage(
        { context: p.contextDir, src },
        { t: p.tag, labels: p.labels, buildargs: p.buildArgs ?? {}, rm: true, forcerm: true, pull: false, ...limits, abortSignal: abort.signal } as Docker.ImageBuildOptions,
      )) as Readable;
      const messages = new JsonLines((ev) => {
        if (ev.stream) lines.push(ev.stream);
        else if (ev.status) p.onLog(ev.status.slice(0, MAX_LINE));
        const error = ev.errorDetail?.message ?? ev.error;
        if (error) {
          lines.end();
          failure = error.trim().slice(0, MAX_LINE);
          p.onLog(`error: ${failure}`);
        }
      });
      // A stream that ends, closes or breaks: the build is over (or cancelled) either way.
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => messages.push(chunk.toString('utf8')));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
        abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      lines.end();
    } catch (e) {
      if (!timedOut) failure ??= messageOf(e);
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
    if (timedOut) failure = `build timed out after ${l!.timeoutSeconds} s`;
    try {
      if (failure) {
        await this.cleanUpBuild(lines, started);
        throw Failed(timedOut ? failure : `build failed: ${failure}`);
      }
      await this.removeStageImages(p.tag, lines, started);
    } finally {
      if (cgroup) await this.cgroups.remove(cgroup.parent, cgroup.version).catch((e: unknown) => this.warn(`a build's cgroup ${cgroup.parent} stays: ${messageOf(e)}`));
    }
  }

  /**
   * After a multi-stage build: the classic builder leaves each earlier stage's image untagged
   * (a Go build's compiler stage, hundreds of MB a deploy). Step images of this build that are
   * not ancestors of the tagged image are removed; shared parents stay (they are in use).
   */
  private async removeStageImages(tag: string, lines: BuildLines, started: number): Promise<void> {
    const ancestors = new Set<string>();
    try {
      let id: string | undefined = (await this.docker.getImage(tag).inspect()).Id;
      while (id && !ancestors.has(id)) {
        ancestors.add(id);
        id = (await this.docker.getImage(id).inspect()).Parent || undefined;
      }
    } catch {
      return; // cannot tell what the image is made of: remove nothing
    }
    for (const step of [...lines.images].reverse()) {
      try {
        const i = await this.docker.getImage(step).inspect();
        const untagged = realTags(i.RepoTags).length === 0;
        if (untagged && !ancestors.has(i.Id) && Date.parse(i.Created) >= started - 2000) await this.docker.getImage(i.Id).remove({ noprune: false });
      } catch {
        // Gone already (removed with a child), or a parent of another image: kept.
      }
    }
  }

  /**
   * After a failed or cancelled build: removes its step containers still there and its untagged
   * step images. The build's output names them, but the build's own lines may pretend to, so
   * only containers the builder made (from an image id, after the build started, with no
   * restart policy) and untagged images made during the build are removed.
   */
  private async cleanUpBuild(lines: BuildLines, started: number): Promise<void> {
    const since = started - 2000;
    const deadline = Date.now() + 15_000;
    for (const id of lines.containers) {
      // The engine kills and removes the container of a cancelled step itself; wait for that,
      // then remove what is left.
      for (;;) {
        let c: Docker.ContainerInspectInfo;
        try {
          c = await this.docker.getContainer(id).inspect();
        } catch {
          break; // gone
        }
        const builders = c.Config.Image.startsWith('sha256:') && Date.parse(c.Created) >= since && ['', 'no'].includes(c.HostConfig.RestartPolicy?.Name ?? '');
        if (!builders || Date.now() > deadline + 5000) break;
        // Until it is gone: its image cannot be removed while it is there.
        if (Date.now() > deadline || c.State.Status !== 'running') await this.removeContainer(c.Id).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    for (const id of [...lines.images].reverse()) {
      try {
        const i = await this.docker.getImage(id).inspect();
        const untagged = realTags(i.RepoTags).length === 0;
        if (untagged && Date.parse(i.Created) >= since) await this.docker.getImage(i.Id).remove({ noprune: false });
      } catch {
        // Gone already, or still the parent of another image or in use by a container: kept.
      }
    }
  }

  /** Creates an image from a root file system tarball (docker import). */
  async importImage(rootfsTar: Readable, repo: string, tag: string, changes: string[] = []): Promise<void> {
    const stream = await this.docker.importImage(rootfsTar, { repo, tag, changes } as object);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, out: BuildMessage[]) => {
        const bad = out?.find((o) => o.error);
        if (err || bad) reject(err ?? new Error(bad?.error));
        else resolve();
      });
    });
  }

  async image(ref: string): Promise<ImageInfo | null> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      const ports = Object.keys(i.Config?.ExposedPorts ?? {})
        .filter((k) => k.endsWith('/tcp') || !k.includes('/'))
        .map((k) => Number.parseInt(k, 10))
        .filter((n) => Number.isInteger(n));
      return { id: i.Id, tags: realTags(i.RepoTags), labels: i.Config?.Labels ?? {}, exposedPorts: ports, onBuild: i.Config?.OnBuild ?? [], createdAt: i.Created };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /**
   * Pulls `ref` (name:tag or name@digest, never untagged: that would pull every tag) from its
   * registry with no credentials: only what the registry gives anyone. Throws Failed.
   */
  async pull(ref: string): Promise<void> {
    let failure: string | undefined;
    try {
      const stream = await this.docker.createImage({ fromImage: ref });
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (err: Error | null) => (err ? reject(err) : resolve()),
          (ev: BuildMessage) => {
            const error = ev.errorDetail?.message ?? ev.error;
            if (error) failure = error.trim();
          },
        );
      });
    } catch (e) {
      failure = messageOf(e);
    }
    if (failure) throw Failed(`cannot pull ${ref}: ${failure}`);
  }

  /** Images whose name matches the pattern (Docker's reference filter, globs allowed), e.g. berth/acme/shop. */
  async listImages(reference: string): Promise<ImageInfo[]> {
    const list = await this.docker.listImages({ filters: { reference: [reference] } });
    return list.map((i) => ({ id: i.Id, tags: realTags(i.RepoTags), labels: i.Labels ?? {}, exposedPorts: [] }));
  }

  /**
   * Untagged images descending from any of `ids` (by parent, at any depth), children first: the
   * steps a build committed after the last one its log named (e.g. when Berth was killed).
   */
  async untaggedDescendants(ids: string[]): Promise<string[]> {
    const list = await this.docker.listImages({ all: true });
    const byParent = new Map<string, string[]>();
    for (const i of list) {
      if (!i.ParentId) continue;
      const untagged = realTags(i.RepoTags).length === 0;
      if (untagged) byParent.set(i.ParentId, [...(byParent.get(i.ParentId) ?? []), i.Id]);
    }
    const full = (id: string) => list.find((i) => i.Id === id || i.Id === `sha256:${id}` || i.Id.startsWith(`sha256:${id}`))?.Id;
    const found: string[] = [];
    const queue = ids.map(full).filter((id): id is string => id !== undefined);
    while (queue.length > 0) {
      for (const child of byParent.get(queue.shift()!) ?? []) {
        if (found.includes(child)) continue;
        found.push(child);
        queue.push(child);
      }
    }
    return found.reverse();
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    await this.docker.getImage(ref).tag({ repo, tag });
  }

  /** Removes a tag (or an image by id); missing is fine, in use is an error. */
  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ noprune: false });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
