// An in-memory engine for unit tests of the domain's logic (deploy-runner, reconcile,
// sync-routes): the scheduler, image store, log streams and networks the domain asks for
// (ports.ts), over maps; no socket, no daemon. Containers get loopback addresses, so the
// domain's real health probe can reach a test server.
import { PassThrough, Readable } from 'node:stream';
import { Failed } from '../../errors.js';
import type { ContainerInfo, ContainerSpec, ContainerStats, ImageInfo, ImageStore, LogStreamParams, LogStreams, Networks, Scheduler, BuildParams, ContainerEvent, PipedIo, PipedRun, VolumeInfo } from '../ports.js';

/** An image: one id, any number of tags; `exposedPorts` as its Dockerfile's EXPOSE. */
export interface FakeImage {
  id: string;
  tags: string[];
  exposedPorts: number[];
  createdAt: string;
}

/** A container as the fake keeps it: what inspect() reports, plus the spec it was run with. */
export interface FakeContainer extends ContainerInfo {
  /** The image id it runs (Docker pins the id, whatever tag named it). */
  imageId: string;
  spec: ContainerSpec;
}

export interface FakeEngineOptions {
  /** Addresses given to containers in the order they are run (then 127.0.0.100, .101, ...). */
  ips?: string[];
}

/** Every method of the ports; those no test reaches throw 'not faked'. */
export class FakeEngine implements Scheduler, ImageStore, LogStreams, Networks {
  readonly containers = new Map<string, FakeContainer>();
  readonly images: FakeImage[] = [];
  readonly networks = new Set<string>();
  /** Named volumes by name, with their labels. */
  readonly volumes = new Map<string, Record<string, string>>();
  /** What was asked of the engine that changes something, in order, e.g. `run <name>`, `remove <id>`. */
  readonly calls: string[] = [];
  /** Exit code of the next runOnce (release commands). */
  runOnceExitCode = 0;
  /**
   * What a runPiped one-off does: given its spec and all of its stdin (empty when none), its
   * output. Default: no output, exit code 0.
   */
  pipedHandler?: (spec: ContainerSpec, stdin: Buffer) => { stdout: Buffer | string; code: number; stderr: string };
  private readonly ips: string[];
  private seq = 0;

  constructor(opts: FakeEngineOptions = {}) {
    this.ips = [...(opts.ips ?? [])];
  }

  // ---- set-up and inspection helpers for tests ----

  /** Adds an image with these tags; returns its id. */
  addImage(tags: string[], exposedPorts: number[] = []): string {
    const id = `sha256:${(++this.seq).toString(16).padStart(64, '0')}`;
    this.images.push({ id, tags: [...tags], exposedPorts, createdAt: new Date(0).toISOString() });
    return id;
  }

  /** Every tag of every image, sorted: what `docker images` would list. */
  tags(): string[] {
    return this.images.flatMap((i) => i.tags).sort();
  }

  /** Adds a container as if it had been run before the test (its image need not exist); returns its id. */
  addContainer(p: { name: string; labels: Record<string, string>; ip: string | null; state?: string }): string {
    const id = `c${(++this.seq).toString(16).padStart(12, '0')}`;
    const spec: ContainerSpec = { name: p.name, image: 'none', env: {}, labels: p.labels, network: 'none', memoryMb: 256, cpus: 1, pidsLimit: 512 };
    this.containers.set(id, { ...containerInfo(id, spec, p.ip), state: p.state ?? 'running', imageId: '', spec });
    return id;
  }

  /** Sets a container's state as if it had stopped (or started) behind Berth's back. */
  setState(id: string, state: 'running' | 'exited' | 'restarting' | 'dead', exitCode = 0): void {
    const c = this.mustGet(id);
    c.state = state;
    c.exitCode = exitCode;
  }

  /** The whole engine state, for comparing before and after (idempotence). */
  snapshot(): { containers: { id: string; name: string; state: string }[]; tags: string[]; networks: string[] } {
    return {
      containers: [...this.containers.values()].map((c) => ({ id: c.id, name: c.name, state: c.state })).sort((a, b) => a.id.localeCompare(b.id)),
      tags: this.tags(),
      networks: [...this.networks].sort(),
    };
  }

  // ---- DockerEngine ----

  async ping(): Promise<void> {}

  async ensureNetwork(name: string, _labels: Record<string, string>, _subnetPool?: string): Promise<void> {
    if (!this.networks.has(name)) this.calls.push(`ensureNetwork ${name}`);
    this.networks.add(name);
  }

  async removeNetwork(name: string): Promise<void> {
    this.calls.push(`removeNetwork ${name}`);
    this.networks.delete(name);
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
    if (this.volumes.has(name)) return false;
    this.calls.push(`ensureVolume ${name}`);
    this.volumes.set(name, { ...labels });
    return true;
  }

  async removeVolume(name: string): Promise<void> {
    if ([...this.containers.values()].some((c) => c.spec.mounts?.some((m) => m.volume === name))) throw conflict(`volume ${name} is in use`);
    this.calls.push(`removeVolume ${name}`);
    this.volumes.delete(name);
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    return [...this.volumes]
      .filter(([, l]) => Object.entries(labels).every(([k, v]) => l[k] === v))
      .map(([name, l]) => ({ name, labels: { ...l }, createdAt: new Date(0).toISOString() }));
  }

  async image(ref: string): Promise<ImageInfo | null> {
    const i = this.findImage(ref);
    return i ? { id: i.id, tags: [...i.tags], labels: {}, exposedPorts: [...i.exposedPorts], onBuild: [], createdAt: i.createdAt } : null;
  }

  /** Docker's reference filter: `*` matches within one path segment, on the name before the tag. */
  async listImages(reference: string): Promise<ImageInfo[]> {
    const re = new RegExp(`^${reference.split('*').map(escapeRe).join('[^/]*')}$`);
    return this.images
      .filter((i) => i.tags.some((t) => re.test(t.slice(0, t.lastIndexOf(':'))) || re.test(t)))
      .map((i) => ({ id: i.id, tags: [...i.tags], labels: {}, exposedPorts: [] }));
  }

  async untaggedDescendants(_ids: string[]): Promise<string[]> {
    return [];
  }

  async tagImage(ref: string, repo: string, tag: string): Promise<void> {
    const i = this.findImage(ref);
    if (!i) throw notFound(`No such image: ${ref}`);
    const name = `${repo}:${tag}`;
    // A tag names one image: it moves from any other.
    for (const other of this.images) other.tags = other.tags.filter((t) => t !== name);
    i.tags.push(name);
    this.calls.push(`tagImage ${name}`);
  }

  /** As Docker: a tag goes (the image with its last one); an image a container uses stays. Missing is fine. */
  async removeImage(ref: string): Promise<void> {
    const i = this.findImage(ref);
    if (!i) return;
    const byTag = i.tags.includes(ref);
    if (byTag && i.tags.length > 1) {
      i.tags = i.tags.filter((t) => t !== ref);
      this.calls.push(`removeImage ${ref}`);
      return;
    }
    if (!byTag && i.tags.length > 1) throw conflict(`conflict: unable to delete ${ref} (must be forced) - image is referenced in multiple repositories`);
    const user = [...this.containers.values()].find((c) => c.imageId === i.id);
    if (user) throw conflict(`conflict: unable to remove repository reference "${ref}" - container ${user.id} is using its referenced image`);
    this.images.splice(this.images.indexOf(i), 1);
    this.calls.push(`removeImage ${ref}`);
  }

  async run(spec: ContainerSpec): Promise<string> {
    const image = this.findImage(spec.image);
    if (!image) throw notFound(`No such image: ${spec.image}`);
    if ([...this.containers.values()].some((c) => c.name === spec.name)) throw conflict(`Conflict. The container name "/${spec.name}" is already in use`);
    if (!this.networks.has(spec.network)) throw notFound(`network ${spec.network} not found`);
    // Docker would make a missing volume silently (unlabelled, root-owned): here it is a bug.
    for (const m of spec.mounts ?? []) if (!this.volumes.has(m.volume)) throw notFound(`volume ${m.volume} was never ensured`);
    const id = `c${(++this.seq).toString(16).padStart(12, '0')}`;
    this.containers.set(id, { ...containerInfo(id, spec, this.ips.shift() ?? `127.0.0.${100 + this.seq}`), imageId: image.id, spec });
    this.calls.push(`run ${spec.name}`);
    return id;
  }

  async runOnce(spec: ContainerSpec, _onLine: (line: string) => void, _timeoutMs: number, _signal?: AbortSignal): Promise<number> {
    if (!this.findImage(spec.image)) throw notFound(`No such image: ${spec.image}`);
    this.calls.push(`runOnce ${spec.name}`);
    return this.runOnceExitCode;
  }

  /**
   * Started at once (as the engine's: attached, not finished); it reads all of stdin, then
   * answers from pipedHandler. A caller may start feeding stdin only after this resolves
   * (feedOneOff does). An aborted signal rejects as the engine's would.
   */
  async runPiped(spec: ContainerSpec, io: PipedIo): Promise<PipedRun> {
    if (!this.findImage(spec.image)) throw notFound(`No such image: ${spec.image}`);
    if (io.signal?.aborted) throw Failed(`${spec.name} was aborted before it started`);
    this.calls.push(`runPiped ${spec.name}`);
    const stdout = new PassThrough();
    const done = (async () => {
      const chunks: Buffer[] = [];
      if (io.stdin) for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
      const r = this.pipedHandler?.(spec, Buffer.concat(chunks)) ?? { stdout: '', code: 0, stderr: '' };
      stdout.end(Buffer.from(r.stdout));
      return { code: r.code, stderr: r.stderr };
    })();
    return { stdout, done };
  }

  async inspect(id: string): Promise<ContainerInfo | null> {
    const c = this.containers.get(id);
    if (!c) return null;
    const { imageId: _i, spec: _s, ...info } = c;
    return { ...info, labels: { ...info.labels } };
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    const ids = [...this.containers.values()].filter((c) => hasLabels(c.labels, labels)).map((c) => c.id);
    return (await Promise.all(ids.map((id) => this.inspect(id)))).filter((i): i is ContainerInfo => i !== null);
  }

  async containerStates(labels: Record<string, string>): Promise<Map<string, { state: string; labels: Record<string, string> }>> {
    return new Map([...this.containers.values()].filter((c) => hasLabels(c.labels, labels)).map((c) => [c.id, { state: c.state, labels: { ...c.labels } }]));
  }

  async start(id: string): Promise<void> {
    const c = this.mustGet(id);
    if (c.state === 'running') return;
    c.state = 'running';
    c.exitCode = 0;
    this.calls.push(`start ${id}`);
  }

  async restart(id: string, _timeoutSec = 10): Promise<void> {
    const c = this.mustGet(id);
    c.state = 'running';
    c.exitCode = 0;
    this.calls.push(`restart ${id}`);
  }

  async remove(id: string, _timeoutSec = 10): Promise<void> {
    if (!this.containers.delete(id)) return;
    this.calls.push(`remove ${id}`);
  }

  async tailLogs(_id: string, _tail: number): Promise<string[]> {
    return [];
  }

  async streamLogs(_id: string, _p: LogStreamParams, _signal?: AbortSignal): Promise<void> {}

  async stats(_id: string): Promise<ContainerStats | null> {
    throw notFaked('stats');
  }

  async pull(_ref: string): Promise<void> {
    throw notFaked('pull');
  }

  async build(_p: BuildParams): Promise<void> {
    throw notFaked('build');
  }

  async importImage(_rootfsTar: Readable, _repo: string, _tag: string, _changes?: string[]): Promise<void> {
    throw notFaked('importImage');
  }

  async lastExitCode(id: string, _withinSec: number): Promise<number | null> {
    const c = this.containers.get(id);
    return c && c.state === 'exited' ? c.exitCode : null;
  }

  async followEvents(_labels: Record<string, string>, _onEvent: (e: ContainerEvent) => void, _signal: AbortSignal, _onReconnect?: () => void): Promise<void> {
    throw notFaked('followEvents');
  }

  private findImage(ref: string): FakeImage | undefined {
    return this.images.find((i) => i.id === ref || i.tags.includes(ref) || (/^[0-9a-f]{12,64}$/.test(ref) && i.id.startsWith(`sha256:${ref}`)));
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw notFound(`No such container: ${id}`);
    return c;
  }
}

/** What inspect() reports of a container just started from `spec`. */
const containerInfo = (id: string, spec: ContainerSpec, ip: string | null): ContainerInfo => ({
  id,
  name: spec.name,
  state: 'running',
  exitCode: 0,
  restartCount: 0,
  ip,
  labels: { ...spec.labels },
  image: spec.image,
  startedAt: new Date().toISOString(),
  error: '',
  oomKilled: false,
  memoryLimitBytes: spec.memoryMb * 1024 * 1024,
});

const hasLabels = (have: Record<string, string>, want: Record<string, string>): boolean => Object.entries(want).every(([k, v]) => have[k] === v);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Errors shaped as dockerode's (a statusCode), which the real engine's callers look at. */
const engineError = (statusCode: number, message: string): Error => Object.assign(new Error(message), { statusCode });
const notFound = (message: string) => engineError(404, message);
const conflict = (message: string) => engineError(409, message);
const notFaked = (method: string) => new Error(`FakeEngine.${method}: not faked`);
