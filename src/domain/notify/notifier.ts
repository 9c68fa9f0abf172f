// The background notifier: reads newly recorded events (only committed ones: it polls the
// events table after its cursor, kept in meta), turns those that matter into notifications
// for their owner's endpoints, and delivers each with retries. Nothing waits for it: a slow or
// failing receiver delays only its own deliveries. Stopping cancels pending retries.
import { randomUUID } from 'node:crypto';
import type { Deps } from '../context.js';
import { attempt, notificationOf } from './deliver.js';
import type { NotifyEventSpec } from './events.js';
import type { Notification } from './message.js';

/** When each try is made, after the event (the first at once): 3 tries over a minute. */
export const RETRY_DELAYS_MS: readonly number[] = [0, 10_000, 60_000];
/** Each try's deadline. */
export const SEND_TIMEOUT_MS = 5000;
const CURSOR = 'notify_cursor';
/** Deliveries waiting at once; beyond that new ones are dropped (and logged) rather than piling up. */
const MAX_PENDING = 1000;

/** What the endpoint's last status says after try `n` (1-based) of `delays.length` failed: retrying in a while, or given up. */
export function afterFailure(n: number, error: string, delays: readonly number[] = RETRY_DELAYS_MS): { status: 'retrying' | 'failed'; error: string; nextInMs: number | null } {
  if (n >= delays.length) return { status: 'failed', error: `${error} (gave up after ${n} ${n === 1 ? 'try' : 'tries'})`, nextInMs: null };
  const wait = delays[n]! - delays[n - 1]!;
  return { status: 'retrying', error: `${error} (try ${n} of ${delays.length}; next in ${Math.round(wait / 1000)} s)`, nextInMs: wait };
}

interface Job {
  endpointId: number;
  spec: NotifyEventSpec;
  notification: Notification;
  deliveryId: string;
  /** 1-based number of the try this job makes. */
  tryNo: number;
}

export interface NotifierOptions {
  /** How often the events table is read. */
  pollMs?: number;
  delaysMs?: readonly number[];
  /** Events older than this when first seen (Berth was down) are not sent. */
  maxAgeMs?: number;
}

export class Notifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ac = new AbortController();
  private poller: NodeJS.Timeout | undefined;
  private cursor = 0;
  private stopped = false;

  constructor(
    private readonly deps: Deps,
    private readonly o: NotifierOptions = {},
  ) {}

  private get delays(): readonly number[] {
    return this.o.delaysMs ?? RETRY_DELAYS_MS;
  }

  /** Starts reading events after the last one handled (or after the newest, on a first start). */
  start(): void {
    const saved = this.deps.db.getMeta(CURSOR);
    this.cursor = saved !== undefined && /^\d{1,15}$/.test(saved) ? Number(saved) : this.deps.db.events.lastId();
    // Kept at once: events recorded while Berth is down after this start are sent on the next.
    this.deps.db.setMeta(CURSOR, String(this.cursor));
    this.poller = setInterval(() => this.poll(), this.o.pollMs ?? 500);
    this.poller.unref();
  }

  /** Stops reading events, cancels waiting retries and tries in flight, and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ac.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Reads the events recorded since the cursor and queues their deliveries. */
  poll(): void {
    if (this.stopped) return;
    try {
      for (;;) {
        const batch = this.deps.db.events.after(this.cursor, 200);
        if (batch.length === 0) return;
        const oldest = Date.now() - (this.o.maxAgeMs ?? 3_600_000);
        for (const e of batch) {
          this.cursor = e.id;
          if (Date.parse(e.createdAt) < oldest) continue;
          const made = notificationOf(this.deps, e);
          if (!made) continue;
          for (const ep of this.deps.db.notify.listForOwner(made.owner)) {
            if (!ep.events.includes(made.spec.name)) continue;
            this.schedule({ endpointId: ep.id, spec: made.spec, notification: made.notification, deliveryId: randomUUID(), tryNo: 1 }, this.delays[0] ?? 0);
          }
        }
        this.deps.db.setMeta(CURSOR, String(this.cursor));
      }
    } catch (e) {
      this.deps.logger.warn({ err: e }, 'reading events for notifications failed');
    }
  }

  private schedule(job: Job, delayMs: number): void {
    if (this.stopped) return;
    if (this.timers.size + this.inFlight.size >= MAX_PENDING) {
      this.deps.logger.warn({ endpoint: job.endpointId, event: job.notification.event }, 'too many notifications waiting: one dropped');
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      const p = this.run(job).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  private async run(job: Job): Promise<void> {
    try {
      // Removed meanwhile: nothing more to send.
      const ep = this.deps.db.notify.get(job.endpointId);
      if (!ep) return;
      const r = await attempt(this.deps, ep, job.spec, job.notification, { signal: this.ac.signal, deliveryId: job.deliveryId });
      if (this.stopped && !r.ok) return;
      if (r.ok) {
        this.deps.db.notify.setLast(ep.id, { status: 'ok', event: job.notification.event, code: r.code, error: null });
        return;
      }
      const next = afterFailure(job.tryNo, r.error ?? 'failed', this.delays);
      this.deps.db.notify.setLast(ep.id, { status: next.status, event: job.notification.event, code: r.code, error: next.error });
      if (next.nextInMs !== null) this.schedule({ ...job, tryNo: job.tryNo + 1 }, next.nextInMs);
    } catch (e) {
      this.deps.logger.warn({ err: e, endpoint: job.endpointId }, 'a notification delivery failed');
    }
  }
}
