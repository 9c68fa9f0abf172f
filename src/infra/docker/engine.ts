// The only door to the Docker Engine (through dockerode). Everything Berth asks of Docker —
// networks, builds, images, containers, logs — goes through this small typed interface.
import Docker from 'dockerode';
import { readdir } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { Failed, Unavailable, messageOf } from '../../errors.js';
import { BuildCgroups } from './build-cgroups.js';
import { BuildLines, JsonLines, MAX_LINE } from './build-output.js';
import { pickSubnet } from './subnets.js';

export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  network: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** Capabilities added back after dropping all (only those an admin granted). */
  capAdd?: string[];
  cmd?: string[];
  /** Long-running processes restart unless stopped; one-off commands never do. */
  restart?: 'unless-stopped' | 'no';
}

export interface ContainerEvent {
  /** die, start, oom, ... */
  action: string;
  id: string;
  labels: Record<string, string>;
  exitCode: number | null;
}

export interface ContainerStats {
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
}

export interface ContainerInfo {
  id: string;
  name: string;
  /** created | running | restarting | exited | paused | dead | removing */
  state: string;
  exitCode: number;
  restartCount: number;
  ip: string | null;
  labels: Record<string, string>;
  image: string;
  startedAt: string;
  error: string;
  /** The kernel killed its last run for going over its memory limit. */
  oomKilled: boolean;
  /** Its memory limit in bytes; 0 when it has none. */
  memoryLimitBytes: number;
}

export interface ImageInfo {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  exposedPorts: number[];
  /** ONBUILD triggers: instructions that run in any build starting FROM this image. */
  onBuild?: string[];
  createdAt?: string;
}

export interface BuildParams {
  contextDir: string;
  tag: string;
  labels: Record<string, string>;
  buildArgs?: Record<string, string>;
  onLog: (line: string) => void;
  /** Limits of each build step's container and of the whole build (none: Berth's own base images). */
  limits?: BuildLimits;
}

export interface BuildLimits {
  timeoutSeconds: number;
  memoryMb: number;
  cpus: number;
  /**
   * Processes all of a build's steps may run at once: a parent cgroup's pids.max (see
   * build-cgroups.ts), and the nproc ulimit for steps that run as another user.
   */
  processes: number;
}

export interface LogStreamParams {
  follow: boolean;
  tail: number;
  onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Each line starts with Docker's RFC 3339 timestamp and a space. */
  timestamps?: boolean;
  /** Only lines from this Unix time (seconds) on. */
  since?: number;
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** An image's tags without Docker's `<none>:<none>` placeholder. */
const realTags = (tags: string[] | undefined): string[] => (tags ?? []).filter((t) => t !== '<none>:<none>');
const isNotFound = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 404;
const isNotModified = (e: unknown): boolean => (e as { statusCode?: number }).statusCode === 304;

export class DockerEngine {
  private readonly docker: Docker;

  private readonly cgroups: BuildCgroups;
  private readonly warn: (message: string) => void;
  /** The engine's cgroup version when builds can get a pids limit; a reason when not. */
  private cgroupSupport?: Promise<{ version: string } | { reason: string }>;

  constructor(socketPath: string, opts: { buildCgroupPrefix?: string; warn?: (message: string) => void } = {}) {
    this.docker = new Docker({ socketPath });
    this.cgroups = new BuildCgroups({ prefix: opts.buildCgroupPrefix ?? 'berth' });
    this.warn = opts.warn ?? (() => undefined);
  }

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

  /** Throws Unavailable with a hint when no engine answers. */
  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (e) {
      throw Unavailable(`the Docker Engine does not answer: ${messageOf(e)}`, { hint: 'start it with scripts/setup-host (or your init system)' });
    }
  }

  /** Networks seen to exist: every container start would otherwise ask again. */
  private readonly knownNetworks = new Set<string>();

  /**
   * Creates the bridge network unless it exists. With a pool, its subnet is the first /24 of
   * the pool no other network on the engine uses (Docker's own pools run out at about 30).
   */
  async ensureNetwork(name: string, labels: Record<string, string>, subnetPool?: string): Promise<void> {
    if (this.knownNetworks.has(name)) return;
    for (let attempt = 1; ; attempt++) {
      const all = await this.docker.listNetworks();
      if (all.some((n) => n.Name === name)) break;
      let ipam: Docker.NetworkCreateOptions['IPAM'];
      if (subnetPool) {
        const used = all.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
        const picked = pickSubnet(subnetPool, used);
        if (!picked) throw Unavailable(`no free /24 left in the subnet pool ${subnetPool} for network ${name}`, { hint: 'set BERTH_SUBNET_POOL to a larger range' });
        ipam = { Driver: 'default', Config: [{ Subnet: picked.subnet, Gateway: picked.gateway }] };
      }
      try {
        await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true, ...(ipam ? { IPAM: ipam } : {}) });
        break;
      } catch (e) {
        // Two deploys of one owner may race to create it (the loser finds it there), or to
        // take one subnet (the loser picks the next).
        if ((e as { statusCode?: number }).statusCode === 409) break;
        if (attempt < 3 && /overlap/i.test(messageOf(e))) continue;
        throw e;
      }
    }
    this.knownNetworks.add(name);
  }

  /** Removes a network; one that is gone already is fine. */
  async removeNetwork(name: string): Promise<void> {
    this.knownNetworks.delete(name);
    try {
      await this.docker.getNetwork(name).remove();
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
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
        if (Date.now() > deadline || c.State.Status !== 'running') await this.remove(c.Id, 0).catch(() => undefined);
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
      this.docker.modem.followProgress(stream, (err: Error | null, out: BuildEvent[]) => {
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
          (ev: BuildEvent) => {
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

  /** Creates and starts an unprivileged, limited container; returns its id. */
  async run(spec: ContainerSpec): Promise<string> {
    const c = await this.createContainer(spec);
    try {
      await c.start();
    } catch (e) {
      await this.remove(c.id);
      throw Failed(`container did not start: ${messageOf(e)}`);
    }
    return c.id;
  }

  /** Creates (does not start) the unprivileged, limited container a spec describes. */
  private async createContainer(spec: ContainerSpec): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ...(spec.cmd ? { Cmd: spec.cmd } : {}),
        HostConfig: {
          NetworkMode: spec.network,
          RestartPolicy: { Name: spec.restart ?? 'unless-stopped' },
          Memory: spec.memoryMb * 1024 * 1024,
          MemorySwap: spec.memoryMb * 1024 * 1024,
          NanoCpus: Math.round(spec.cpus * 1e9),
          PidsLimit: spec.pidsLimit,
          Privileged: false,
          CapDrop: ['ALL'],
          ...(spec.capAdd && spec.capAdd.length > 0 ? { CapAdd: spec.capAdd } : {}),
          SecurityOpt: ['no-new-privileges:true'],
          LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
        },
      });
    } catch (e) {
      // A network removed behind Berth's back is created again on the next attempt.
      if (/network .* not found/i.test(messageOf(e))) this.knownNetworks.delete(spec.network);
      throw e;
    }
  }

  /**
   * Runs a one-off container to its end, streaming its output; returns the exit code and
   * removes the container. Killed after timeoutMs.
   */
  async runOnce(spec: ContainerSpec, onLine: (line: string) => void, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    const id = await this.run({ ...spec, restart: 'no' });
    const c = this.docker.getContainer(id);
    const kill = () => void c.kill().catch(() => undefined);
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    try {
      const [result] = await Promise.all([c.wait() as Promise<{ StatusCode: number }>, this.streamLogs(id, { follow: true, tail: -1, onLine })]);
      return result.StatusCode;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      await this.remove(id, 1);
    }
  }

  /**
   * Follows container events carrying all the given labels until `signal` aborts; reconnects
   * (after a pause) when the engine drops the stream (a restart of dockerd), and then calls
   * `onReconnect`: events of the gap are lost, so the caller looks at the state afresh.
   */
  async followEvents(labels: Record<string, string>, onEvent: (e: ContainerEvent) => void, signal: AbortSignal, onReconnect?: () => void): Promise<void> {
    const filters = { type: ['container' as const], label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) };
    let broken = false;
    while (!signal.aborted) {
      try {
        const stream = (await this.docker.getEvents({ filters })) as unknown as Readable;
        if (broken) onReconnect?.();
        broken = true;
        const stop = () => stream.destroy();
        signal.addEventListener('abort', stop, { once: true });
        let buf = '';
        for await (const chunk of stream) {
          buf += (chunk as Buffer).toString('utf8');
          let i: number;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (!line) continue;
            const ev = JSON.parse(line) as { Action?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
            const attrs = ev.Actor?.Attributes ?? {};
            onEvent({ action: ev.Action ?? '', id: ev.Actor?.ID ?? ev.id ?? '', labels: attrs, exitCode: attrs.exitCode !== undefined ? Number(attrs.exitCode) : null });
          }
        }
        signal.removeEventListener('abort', stop);
      } catch {
        // The engine went away or the stream broke: try again shortly.
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** CPU and memory now (Docker samples twice, about a second apart). */
  async stats(id: string): Promise<ContainerStats | null> {
    try {
      const s = (await this.docker.getContainer(id).stats({ stream: false })) as unknown as {
        cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
        precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
        memory_stats: { usage?: number; limit?: number; stats?: { cache?: number; inactive_file?: number } };
      };
      const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
      const sysDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
      const cpus = s.cpu_stats.online_cpus ?? 1;
      const cache = s.memory_stats.stats?.inactive_file ?? s.memory_stats.stats?.cache ?? 0;
      return {
        cpuPercent: sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0,
        memoryBytes: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
        memoryLimitBytes: s.memory_stats.limit ?? 0,
      };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    try {
      const i = await this.docker.getContainer(id).inspect();
      const nets = Object.values(i.NetworkSettings?.Networks ?? {});
      return {
        id: i.Id,
        name: i.Name.replace(/^\//, ''),
        state: i.State.Status,
        exitCode: i.State.ExitCode,
        restartCount: i.RestartCount,
        ip: nets.find((n) => n.IPAddress)?.IPAddress ?? null,
        labels: i.Config.Labels ?? {},
        image: i.Config.Image,
        startedAt: i.State.StartedAt,
        error: i.State.Error,
        oomKilled: i.State.OOMKilled === true,
        memoryLimitBytes: i.HostConfig?.Memory ?? 0,
      };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Every container (running or not) carrying all the given labels. */
  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
    const infos = await Promise.all(list.map((c) => this.inspect(c.Id)));
    return infos.filter((i): i is ContainerInfo => i !== null);
  }

  /**
   * State (running, exited, restarting, ...) and labels of every container carrying all the
   * given labels, by id: one call to the engine, however many containers (lists of many apps).
   */
  async containerStates(labels: Record<string, string>): Promise<Map<string, { state: string; labels: Record<string, string> }>> {
    const list = await this.docker.listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
    return new Map(list.map((c) => [c.Id, { state: c.State, labels: c.Labels ?? {} }]));
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (e) {
      if (!isNotModified(e)) throw e;
    }
  }

  /** Stops (SIGTERM, then SIGKILL after timeoutSec) and removes; a missing container is fine. */
  async remove(id: string, timeoutSec = 10): Promise<void> {
    const c = this.docker.getContainer(id);
    try {
      await c.stop({ t: timeoutSec });
    } catch (e) {
      if (!isNotFound(e) && !isNotModified(e)) {
        // A container that cannot be stopped politely is still removed by force below.
      }
    }
    try {
      await c.remove({ force: true, v: true });
    } catch (e) {
      if (!isNotFound(e) && !String(messageOf(e)).includes('already in progress')) throw e;
    }
  }

  /** The last `tail` lines of a container's output, as text. */
  async tailLogs(id: string, tail: number): Promise<string[]> {
    const lines: string[] = [];
    try {
      await this.streamLogs(id, { follow: false, tail, onLine: (l) => lines.push(l) });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return lines;
  }

  /** Streams a container's output line by line; resolves when it ends. Returns a stop function through `onStop`. */
  async streamLogs(id: string, p: LogStreamParams, signal?: AbortSignal): Promise<void> {
    const c = this.docker.getContainer(id);
    const raw = (await c.logs({ follow: p.follow as true, stdout: true, stderr: true, tail: p.tail, timestamps: p.timestamps === true, ...(p.since !== undefined ? { since: p.since } : {}) })) as unknown;
    const lineSplitter = (kind: 'stdout' | 'stderr') => {
      let buf = '';
      const out = new PassThrough();
      out.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const l of parts) p.onLine(l, kind);
      });
      out.on('end', () => {
        if (buf) p.onLine(buf, kind);
      });
      return out;
    };
    const out = lineSplitter('stdout');
    const err = lineSplitter('stderr');
    if (Buffer.isBuffer(raw)) {
      const pt = new PassThrough();
      this.docker.modem.demuxStream(pt, out, err);
      pt.end(raw);
      await new Promise((r) => setImmediate(r));
      out.end();
      err.end();
      return;
    }
    const stream = raw as Readable;
    this.docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((resolve) => {
      const done = () => {
        out.end();
        err.end();
        resolve();
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
      signal?.addEventListener('abort', () => {
        (stream as Readable & { destroy(): void }).destroy();
        done();
      });
    });
  }
}
