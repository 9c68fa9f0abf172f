// Build and deploy logs: one append-only file per deployment in the data directory, plus live
// followers in memory. A follower first gets what is written so far, then each new line.
// Each log is capped: past its head, lines are held back in a bounded tail that is written,
// after a line saying what was cut, when the log ends; reads never take more than the cap.
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

type Follower = { onLine: (line: string) => void; onEnd: () => void };

export interface LogStoreOptions {
  /** Largest size of one log file in bytes (its head, the cut line and its tail). */
  maxBytes: number;
}

/** Longest line kept; the rest of it is dropped. */
const MAX_LINE = 16 * 1024;
/** Most lines the tail of a cut log keeps. */
const TAIL_LINES = 2000;
/** Writes are gathered up to this size (or a short while) before they reach the file. */
const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 200;

/** A log being written: its size on disk, lines not yet written, and the held-back tail. */
interface Open {
  followers: Set<Follower>;
  written: number;
  pending: string[];
  pendingBytes: number;
  /** Set once the head is full: from then on lines go to the tail. */
  tail: string[] | null;
  tailStart: number;
  tailBytes: number;
  cutLines: number;
  cutBytes: number;
}

const bytes = (line: string): number => Buffer.byteLength(line) + 1;

/** The line that stands for what a capped log left out. */
export const cutLine = (lines: number, size: number): string => `... ${lines} lines (${size} bytes) cut ...`;

export class LogStore {
  private readonly live = new Map<string, Open>();
  private readonly headBytes: number;
  private readonly tailMaxBytes: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly opts: LogStoreOptions = { maxBytes: 5 * 1024 * 1024 },
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A quarter for the tail (the end of a log tells how it failed), and room for the cut line.
    this.tailMaxBytes = Math.floor(opts.maxBytes / 4);
    this.headBytes = opts.maxBytes - this.tailMaxBytes - 200;
  }

  private file(key: string): string {
    if (!/^[a-z0-9-]+$/.test(key)) throw new Error(`bad log key ${key}`);
    return join(this.dir, `${key}.log`);
  }

  private size(key: string): number {
    try {
      return statSync(this.file(key)).size;
    } catch {
      return 0;
    }
  }

  /** Marks a log as being written, so followers wait for its end. */
  open(key: string): void {
    if (this.live.has(key)) return;
    this.live.set(key, { followers: new Set(), written: this.size(key), pending: [], pendingBytes: 0, tail: null, tailStart: 0, tailBytes: 0, cutLines: 0, cutBytes: 0 });
  }

  append(key: string, text: string): void {
    const line = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE)} [line cut at ${MAX_LINE} characters]` : text;
    const o = this.live.get(key);
    if (!o) {
      // A line for a log that is not being written (reconcile's note after a restart).
      if (this.size(key) + bytes(line) <= this.opts.maxBytes) appendFileSync(this.file(key), `${line}\n`, { mode: 0o600 });
      return;
    }
    const n = bytes(line);
    if (o.tail === null && o.written + o.pendingBytes + n <= this.headBytes) {
      o.pending.push(line);
      o.pendingBytes += n;
      if (o.pendingBytes >= FLUSH_BYTES) this.flush(key, o);
      else this.timer ??= setTimeout(() => this.flushAll(), FLUSH_MS).unref();
      for (const f of o.followers) f.onLine(line);
      return;
    }
    // Past the head: keep the latest lines only; followers get them when the log ends.
    o.tail ??= [];
    o.tail.push(line);
    o.tailBytes += n;
    while (o.tailBytes > this.tailMaxBytes || o.tail.length - o.tailStart > TAIL_LINES) {
      const dropped = o.tail[o.tailStart++]!;
      o.tailBytes -= bytes(dropped);
      o.cutLines++;
      o.cutBytes += bytes(dropped);
    }
    if (o.tailStart > 4096 && o.tailStart * 2 > o.tail.length) {
      o.tail = o.tail.slice(o.tailStart);
      o.tailStart = 0;
    }
  }

  private flush(key: string, o: Open): void {
    if (o.pending.length === 0) return;
    appendFileSync(this.file(key), `${o.pending.join('\n')}\n`, { mode: 0o600 });
    o.written += o.pendingBytes;
    o.pending = [];
    o.pendingBytes = 0;
  }

  private flushAll(): void {
    this.timer = undefined;
    for (const [key, o] of this.live) this.flush(key, o);
  }

  /** Ends a log: the cut line and the tail are written, and followers get them, then onEnd. */
  close(key: string): void {
    const o = this.live.get(key);
    if (!o) return;
    this.live.delete(key);
    const rest: string[] = [];
    if (o.tail !== null) {
      if (o.cutLines > 0) rest.push(cutLine(o.cutLines, o.cutBytes));
      rest.push(...o.tail.slice(o.tailStart));
      o.pending.push(...rest);
    }
    this.flush(key, o);
    for (const f of o.followers) {
      for (const l of rest) f.onLine(l);
      f.onEnd();
    }
  }

  isLive(key: string): boolean {
    return this.live.has(key);
  }

  /**
   * The log's lines as written so far. A file larger than the cap (written before there was
   * one) is read as its head, a cut line and its tail: never more than the cap.
   */
  read(key: string): string[] {
    const o = this.live.get(key);
    if (o) this.flush(key, o);
    let fd: number;
    try {
      fd = openSync(this.file(key), 'r');
    } catch {
      return [];
    }
    try {
      const size = fstatSync(fd).size;
      const max = this.opts.maxBytes;
      if (size <= max) return splitLines(readAt(fd, 0, size));
      // Room for the cut line between the halves.
      const half = Math.floor(max / 2) - 100;
      const head = splitLines(readAt(fd, 0, half));
      const tail = splitLines(readAt(fd, size - half, half));
      // Partial lines at the edges are dropped; the cut counts bytes only, lines are unknown.
      head.pop();
      tail.shift();
      const kept = head.reduce((s, l) => s + bytes(l), 0) + tail.reduce((s, l) => s + bytes(l), 0);
      return [...head, `... ${size - kept} bytes cut ...`, ...tail];
    } finally {
      closeSync(fd);
    }
  }

  /** Replays the log, then streams new lines until it ends. Returns an unsubscribe function. */
  follow(key: string, onLine: (line: string) => void, onEnd: () => void): () => void {
    // Reading the file and subscribing happen in one synchronous step, so no line is missed or doubled.
    for (const l of this.read(key)) onLine(l);
    const o = this.live.get(key);
    if (!o) {
      onEnd();
      return () => undefined;
    }
    const f: Follower = { onLine, onEnd };
    o.followers.add(f);
    return () => o.followers.delete(f);
  }

  remove(key: string): void {
    const o = this.live.get(key);
    if (o) o.pending = [];
    rmSync(this.file(key), { force: true });
  }
}

function readAt(fd: number, position: number, length: number): string {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n).toString('utf8');
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}
