// Build and deploy logs: one append-only file per deployment in the data directory, plus live
// followers in memory. A follower first gets what is written so far, then each new line.
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

type Follower = { onLine: (line: string) => void; onEnd: () => void };

export class LogStore {
  private readonly live = new Map<string, Set<Follower>>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private file(key: string): string {
    if (!/^[a-z0-9-]+$/.test(key)) throw new Error(`bad log key ${key}`);
    return join(this.dir, `${key}.log`);
  }

  /** Marks a log as being written, so followers wait for its end. */
  open(key: string): void {
    if (!this.live.has(key)) this.live.set(key, new Set());
  }

  append(key: string, line: string): void {
    appendFileSync(this.file(key), `${line}\n`, { mode: 0o600 });
    for (const f of this.live.get(key) ?? []) f.onLine(line);
  }

  /** Ends a log: followers get onEnd. */
  close(key: string): void {
    const followers = this.live.get(key);
    this.live.delete(key);
    for (const f of followers ?? []) f.onEnd();
  }

  isLive(key: string): boolean {
    return this.live.has(key);
  }

  read(key: string): string[] {
    try {
      const text = readFileSync(this.file(key), 'utf8');
      return text === '' ? [] : text.replace(/\n$/, '').split('\n');
    } catch {
      return [];
    }
  }

  /** Replays the log, then streams new lines until it ends. Returns an unsubscribe function. */
  follow(key: string, onLine: (line: string) => void, onEnd: () => void): () => void {
    // Reading the file and subscribing happen in one synchronous step, so no line is missed or doubled.
    for (const l of this.read(key)) onLine(l);
    const followers = this.live.get(key);
    if (!followers) {
      onEnd();
      return () => undefined;
    }
    const f: Follower = { onLine, onEnd };
    followers.add(f);
    return () => followers.delete(f);
  }

  remove(key: string): void {
    rmSync(this.file(key), { force: true });
  }
}
