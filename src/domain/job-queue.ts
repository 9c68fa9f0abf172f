// What the domain needs of the deploy queue (src/jobs/queue.ts implements it; main.ts passes it in
// Deps): per-app serial jobs, background work that shutdown waits for, and whether an app is busy.

export interface JobOptions {
  /** Whose job this is: slots are shared between owners (default: the key is its own owner). */
  owner?: string;
}

export interface JobQueue {
  /** Runs fn after every earlier job with the same key; resolves or rejects with fn's result. */
  run<T>(key: string, fn: () => Promise<T>, opts?: JobOptions): Promise<T>;
  /** Tracks work that must not hold up the key's next job; idle() still waits for it. */
  background(task: Promise<unknown>): void;
  /** True while a job for `key` is queued or running. */
  busy(key: string): boolean;
  /** Resolves when every queued job (and background task) has finished. */
  idle(): Promise<void>;
}
