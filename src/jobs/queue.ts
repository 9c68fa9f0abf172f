// The deploy queue: jobs for one app run one at a time, in order; at most `max` run at once
// across all apps, shared fairly between owners. Jobs are in memory; what a restart
// interrupts is settled by reconcile(). The domain knows it by its interface (domain/job-queue.ts).
import type { JobOptions, JobQueue as DomainJobQueue } from '../domain/job-queue.js';

/**
 * How many slots one owner may hold at once: never all of them (when there are two or more),
 * so a tenant whose builds never end cannot stall everyone else's deploys, scaling and destroys.
 */
export const ownerCap = (max: number): number => (max <= 1 ? 1 : Math.ceil(max / 2));

export class JobQueue implements DomainJobQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private running = 0;
  private readonly runningBy = new Map<string, number>();
  /** Jobs waiting for a slot, by owner, in arrival order; owners in the order they are served. */
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly bg = new Set<Promise<unknown>>();
  private readonly perOwner: number;

  constructor(private readonly max: number) {
    this.perOwner = ownerCap(max);
  }

  /** Runs fn after every earlier job with the same key; resolves or rejects with fn's result. */
  run<T>(key: string, fn: () => Promise<T>, opts: JobOptions = {}): Promise<T> {
    const owner = opts.owner ?? key;
    const prev = this.tails.get(key) ?? Promise.resolve();
    const job = prev.catch(() => undefined).then(() => this.withSlot(owner, fn));
    const tail = job.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return job;
  }

  /**
   * Tracks work that must not hold up the app's next job (an old release draining), so
   * idle() still waits for it. Failures are the task's own to log.
   */
  background(task: Promise<unknown>): void {
    const t = task.catch(() => undefined).finally(() => this.bg.delete(t));
    this.bg.add(t);
  }

  /** True while a job for `key` is queued or running. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when every queued job has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0 || this.bg.size > 0) await Promise.all([...this.tails.values(), ...this.bg]);
  }

  private mayStart(owner: string): boolean {
    return this.running < this.max && (this.runningBy.get(owner) ?? 0) < this.perOwner;
  }

  private async withSlot<T>(owner: string, fn: () => Promise<T>): Promise<T> {
    // A newcomer may start at once only when nobody is queued before it that could use the slot.
    if (this.mayStart(owner) && (this.waiting.get(owner)?.length ?? 0) === 0) this.take(owner);
    else {
      // admit() takes the slot for this job before it resolves the wait.
      await new Promise<void>((r) => {
        const list = this.waiting.get(owner);
        if (list) list.push(r);
        else this.waiting.set(owner, [r]);
      });
    }
    try {
      return await fn();
    } finally {
      this.running--;
      const n = (this.runningBy.get(owner) ?? 1) - 1;
      if (n > 0) this.runningBy.set(owner, n);
      else this.runningBy.delete(owner);
      this.admit();
    }
  }

  /**
   * Hands free slots to waiting jobs, one owner after another: the owner served is moved to the
   * back of the line, so a free slot goes to whoever waited longest among owners under their cap.
   */
  private admit(): void {
    for (const [owner, list] of this.waiting) {
      if (this.running >= this.max) return;
      if (!this.mayStart(owner)) continue;
      const next = list.shift();
      this.waiting.delete(owner);
      if (list.length > 0) this.waiting.set(owner, list);
      if (!next) continue;
      this.take(owner);
      next();
    }
  }

  private take(owner: string): void {
    this.running++;
    this.runningBy.set(owner, (this.runningBy.get(owner) ?? 0) + 1);
  }
}
