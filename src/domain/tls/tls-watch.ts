// Certificate failures become visible and slow down: the edge's ACME failures (read from the
// proxy every few seconds) are events on the app, and the host is refused further certificate
// requests for a while (5 minutes, doubling up to 6 hours), so a domain whose DNS points
// elsewhere never hammers the CA into its rate limits. `berth tls status` shows the last error.
import { messageOf } from '../../errors.js';
import { appHosts } from '../apps/urls.js';
import type { Deps } from '../context.js';

export interface TlsFailure {
  error: string;
  /** When the CA or challenge last failed (ISO). */
  at: string;
  /** Failures in a row. */
  count: number;
  /** No new certificate request before this time (epoch ms). */
  retryAt: number;
  /** The certificate's expiry when it failed: a new certificate (another expiry) clears the failure. */
  notAfter: string | null;
}

export const BACKOFF_BASE_MS = 5 * 60_000;
export const BACKOFF_MAX_MS = 6 * 3_600_000;

/** How long the host waits after `count` failures in a row. */
export const backoffMs = (count: number, base = BACKOFF_BASE_MS, max = BACKOFF_MAX_MS): number => Math.min(max, base * 2 ** Math.max(0, count - 1));

export class TlsWatch {
  private readonly failed = new Map<string, TlsFailure>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: Deps,
    private readonly o: { intervalMs?: number; baseMs?: number; maxMs?: number } = {},
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.check().catch((e: unknown) => this.deps.logger.warn({ err: messageOf(e) }, 'reading certificate failures failed'));
    }, this.o.intervalMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The last failure of a host still without a new certificate, if any. */
  failure(host: string): TlsFailure | undefined {
    return this.failed.get(host.toLowerCase());
  }

  async check(): Promise<void> {
    const certs = this.deps.certificates;
    if (!certs) return;
    for (const [host, f] of this.failed) {
      const now = certs.certificate(host);
      if (now && now.notAfter !== f.notAfter) this.failed.delete(host);
    }
    for (const f of certs.failures()) {
      const host = f.host.toLowerCase();
      const count = (this.failed.get(host)?.count ?? 0) + 1;
      const retryAt = Date.now() + backoffMs(count, this.o.baseMs, this.o.maxMs);
      this.failed.set(host, { error: f.error, at: f.at, count, retryAt, notAfter: certs.certificate(host)?.notAfter ?? null });
      await certs.backOff(host, retryAt);
      const app = this.deps.db.apps.list().find((a) => appHosts(a, this.deps.config.domain).includes(host));
      const next = new Date(retryAt).toISOString().replace(/\.\d+Z$/, 'Z');
      this.deps.db.events.add({
        appId: app?.id ?? null,
        subject: app ? `app:${app.id}` : `tls:${host}`,
        kind: 'tls.failed',
        message: `no certificate for ${host}: ${f.error} (failure ${count} in a row; next attempt after ${next})`,
      });
      this.deps.logger.warn({ host, error: f.error, retryAt: next }, 'a certificate request failed');
    }
  }
}
