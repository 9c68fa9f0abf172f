// Docker containers: every one unprivileged and limited (all capabilities dropped but those
// granted, no-new-privileges, memory, CPU and pids limits); one-off runs; state and stats.
// Implements the domain's Scheduler.
import type { Duplex } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Failed, Unavailable, messageOf } from '../../errors.js';
import { isNotFound, isNotModified, type Docker } from './common.js';
import { DockerDemux } from './demux.js';
import type { DockerNetworks } from './networks.js';
import type { DockerStreams } from './streams.js';
import type { ContainerInfo, ContainerSpec, ContainerStats, PipedIo, PipedRun, VolumeInfo } from './types.js';
import type { DockerVolumes } from './volumes.js';

export class DockerContainers {
  constructor(
    private readonly docker: Docker,
    private readonly networks: DockerNetworks,
    private readonly streams: DockerStreams,
    private readonly volumes: DockerVolumes,
  ) {}

  /** The named volumes the containers mount (volumes.ts): one engine, so the scheduler places both. */
  ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
    return this.volumes.ensureVolume(name, labels);
  }

  removeVolume(name: string): Promise<void> {
    return this.volumes.removeVolume(name);
  }

  listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    return this.volumes.listVolumes(labels);
  }

  /** Throws Unavailable with a hint when no engine answers. */
  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (e) {
      throw Unavailable(`the Docker Engine does not answer: ${messageOf(e)}`, { hint: 'start it with scripts/setup-host (or your init system)' });
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

  /**
   * Creates (does not start) the unprivileged, limited container a spec describes; `attach` for
   * a piped one-off (runPiped): its output (and stdin, when it has one) through an attached socket.
   */
  private async createContainer(spec: ContainerSpec, attach?: { stdin: boolean }): Promise<Docker.Container> {
    try {
      return await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ...(spec.cmd ? { Cmd: spec.cmd } : {}),
        ...(attach
          ? { Tty: false, AttachStdout: true, AttachStderr: true, ...(attach.stdin ? { AttachStdin: true, OpenStdin: true, StdinOnce: true } : {}) }
          : {}),
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
          // NoCopy: a volume starts empty and stays as the app left it; Docker would otherwise copy
          // the image's files (and the directory's owner) into it on first mount.
          ...(spec.mounts && spec.mounts.length > 0
            ? {
                Mounts: spec.mounts.map((m) => ({
                  Type: 'volume' as const,
                  Source: m.volume,
                  Target: m.target,
                  ...(m.readOnly ? { ReadOnly: true } : {}),
                  VolumeOptions: { NoCopy: true } as Docker.MountSettings['VolumeOptions'],
                })),
              }
            : {}),
          LogConfig: spec.logDriver === 'none' ? { Type: 'none', Config: {} } : { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
        },
      });
    } catch (e) {
      // A network removed behind Berth's back is created again on the next attempt.
      if (/network .* not found/i.test(messageOf(e))) this.networks.forget(spec.network);
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
      const [result] = await Promise.all([c.wait() as Promise<{ StatusCode: number }>, this.streams.streamLogs(id, { follow: true, tail: -1, onLine })]);
      return result.StatusCode;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      await this.remove(id, 1);
    }
  }

  /**
   * Runs a one-off whose stdin and stdout are byte streams (backups, restores). It is attached
   * before it starts, so no byte is missed; the raw (hijacked) socket keeps backpressure end to
   * end: a slow reader of `stdout` stalls the container's writes, not Node's memory.
   * - Read `stdout` to its end (or resume() it), then await `done`: `done` waits until the output
   *   was read, then gives the exit code and the last 16 KiB of stderr. A non-zero code is not an
   *   error here: check it before trusting the bytes.
   * - The end of `io.stdin` is the container's EOF; if `io.stdin` fails, the container is killed
   *   first (it never takes a cut input for a whole one) and `done` rejects. If it exits before
   *   reading all of `io.stdin`, the rest stays unread (unpiped): the caller destroys it after `done`.
   * - Abort, timeout, a broken engine connection, or a reader destroying `stdout` early: killed;
   *   `stdout` fails (unless the reader destroyed it) and `done` rejects with Failed saying which,
   *   never a kill's exit code that could pass for a finished run.
   * The container is removed in every case before `done` settles.
   */
  async runPiped(spec: ContainerSpec, io: PipedIo): Promise<PipedRun> {
    if (io.signal?.aborted) throw Failed(`${spec.name} was aborted before it started`, { cause: io.signal.reason });
    const c = await this.createContainer({ ...spec, restart: 'no' }, { stdin: io.stdin !== undefined });
    let sock: Duplex | undefined;
    try {
      // hijack: docker-modem hands over the upgraded net.Socket itself (its own demuxStream
      // would ignore backpressure); end() on it half-closes, which StdinOnce turns into EOF.
      sock = (await c.attach({ stream: true, stdout: true, stderr: true, stdin: io.stdin !== undefined, hijack: true })) as unknown as Duplex;
      await c.start();
    } catch (e) {
      sock?.destroy();
      await this.remove(c.id, 1);
      throw Failed(`${spec.name} did not start: ${messageOf(e)}`);
    }
    return this.pipe(spec.name, c, sock, io);
  }

  /** Wires a started, attached one-off to its streams, its kill switches and its removal. */
  private pipe(name: string, c: Docker.Container, sock: Duplex, io: PipedIo): PipedRun {
    const { stdin, signal, timeoutMs } = io;
    const demux = new DockerDemux();
    let failure: Error | undefined;
    /** The first reason to stop wins: kill, fail the output, drop the connection. */
    const fail = (e: Error): void => {
      if (failure) return;
      failure = e;
      void c.kill().catch(() => undefined);
      stdin?.unpipe(sock);
      if (!demux.destroyed) demux.destroy(e);
      sock.destroy();
    };
    const onAbort = () => fail(Failed(`${name} was aborted`, { cause: signal?.reason }));
    const timer = setTimeout(() => fail(Failed(`${name} did not finish within ${Math.round(timeoutMs / 1000)} s and was killed`)), timeoutMs);
    const onStdinError = (e: Error) => fail(Failed(`the input of ${name} failed: ${e.message}`, { cause: e }));
    // A write error after the output ended (the container exited without reading all its input)
    // loses nothing: the exit code tells. Before that, the output would be cut short.
    const onSockError = (e: Error) => {
      if (!sock.readableEnded) fail(Failed(`the connection to the Docker Engine broke during ${name}: ${e.message}`, { cause: e }));
    };
    const onSockEnd = () => stdin?.unpipe(sock);
    const onDemuxError = (e: Error) => fail(Failed(`the output of ${name} is unreadable: ${e.message}`, { cause: e }));
    const onDemuxClose = () => {
      if (!demux.readableEnded) fail(Failed(`the reader of ${name}'s output stopped before its end`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stdin?.on('error', onStdinError);
    sock.on('error', onSockError);
    sock.on('end', onSockEnd);
    demux.on('error', onDemuxError);
    demux.on('close', onDemuxClose);
    sock.pipe(demux);
    if (stdin) stdin.pipe(sock);
    if (signal?.aborted) onAbort();
    // An input that failed (or was closed) before it was handed over would never end: the container would wait for ever.
    if (stdin?.destroyed) onStdinError(stdin.errored ?? new Error('it was closed before the container started'));

    const waited = (c.wait() as Promise<{ StatusCode: number }>).then((r) => r.StatusCode);
    waited.catch(() => undefined);
    const done = (async () => {
      try {
        // Writable side finished: every frame was read, so the stderr tail is complete.
        const [code] = await Promise.all([waited, finished(demux, { readable: false })]);
        if (failure) throw failure;
        return { code, stderr: demux.stderrTail() };
      } catch (e) {
        throw failure ?? Failed(`${name} failed: ${messageOf(e)}`, { cause: e });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        stdin?.removeListener('error', onStdinError);
        stdin?.unpipe(sock);
        sock.removeListener('end', onSockEnd);
        sock.destroy();
        await this.remove(c.id, 1);
      }
    })();
    // Marked handled so a reader that stopped at stdout's error does not crash the process; callers still await it.
    done.catch(() => undefined);
    return { stdout: demux, done };
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

  /** Stops (SIGTERM, then SIGKILL after timeoutSec) and starts it again: the same container, a new process. */
  async restart(id: string, timeoutSec = 10): Promise<void> {
    await this.docker.getContainer(id).restart({ t: timeoutSec });
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
}
