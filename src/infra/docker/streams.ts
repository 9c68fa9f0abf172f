// What flows out of Docker: container events (followed across engine restarts) and container
// output, line by line. Implements the domain's LogStreams.
import { PassThrough, type Readable } from 'node:stream';
import { isNotFound, type Docker } from './common.js';
import type { ContainerEvent, LogStreamParams } from './types.js';

export class DockerStreams {
  constructor(private readonly docker: Docker) {}

  /**
   * The exit code of the container's last run that ended within the last `withinSec` seconds,
   * from the engine's event log (a container Docker has already restarted shows exit code 0 in
   * its state); null when there was none.
   */
  async lastExitCode(id: string, withinSec: number): Promise<number | null> {
    const now = Math.floor(Date.now() / 1000);
    // With `until`, the engine answers the past events and ends the stream.
    const raw = (await this.docker.getEvents({ since: now - withinSec, until: now + 1, filters: { type: ['container'], container: [id], event: ['die'] } })) as unknown;
    let text = '';
    if (Buffer.isBuffer(raw) || typeof raw === 'string') text = raw.toString();
    else for await (const chunk of raw as Readable) text += (chunk as Buffer).toString('utf8');
    let code: number | null = null;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const ev = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
      const c = ev.Actor?.Attributes?.exitCode;
      if (c !== undefined) code = Number(c);
    }
    return code;
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
