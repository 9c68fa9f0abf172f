// The deploy queue: jobs for one app run one at a time, in order; at most `max` run at once
// across all apps. Jobs are in memory; what a restart interrupts is settled by reconcile().

export class JobQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly bg = new Set<Promise<unknown>>();

  constructor(private readonly max: number) {}

  /** Runs fn after every earlier job with the same key; resolves or rejects with fn's result. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const job = prev.catch(() => undefined).then(() => this.withSlot(fn));
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

  private async withSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
