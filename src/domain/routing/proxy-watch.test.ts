import { describe, expect, it } from 'vitest';
import { nextCheckMs, ProxyWatch, type ProxyRole, type WatchedProxy } from './proxy-watch.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A proxy whose Caddies are up or down as the test says; restart brings one up unless told to fail. */
function fakeProxy() {
  const up: Record<ProxyRole, boolean> = { edge: true, router: true };
  const restarts: ProxyRole[] = [];
  let failRestarts = false;
  let restartStarted: () => void = () => undefined;
  let finishRestart: (() => void) | null = null;
  const proxy: WatchedProxy = {
    isUp: async (role) => up[role],
    restart: async (role) => {
      restarts.push(role);
      restartStarted();
      if (finishRestart === null) await new Promise<void>((r) => (finishRestart = r));
      if (failRestarts) throw new Error('caddy: address already in use');
      up[role] = true;
    },
  };
  return {
    proxy,
    up,
    restarts,
    failNext: (v: boolean) => (failRestarts = v),
    /** Holds restarts until released, so the test can look at the state meanwhile. */
    hold: () => {
      finishRestart = null;
      return new Promise<void>((r) => (restartStarted = r));
    },
    release: () => {
      const f = finishRestart;
      finishRestart = () => undefined;
      f?.();
    },
  };
}

const recorder = () => {
  const events: string[] = [];
  return { events, record: (kind: string, role: ProxyRole) => void events.push(`${kind} ${role}`) };
};

describe('the proxy watch', () => {
  it('starts a Caddy that stopped answering again, saying down, then restarting, then up', async () => {
    const f = fakeProxy();
    const r = recorder();
    const synced: ProxyRole[] = [];
    const watch = new ProxyWatch({ proxy: f.proxy, logger: quiet, record: r.record, afterRestart: async (role) => void synced.push(role) });
    f.up.router = false;
    const started = f.hold();
    const check = watch.check('router');
    await started;
    expect(watch.status()).toEqual({ edge: 'up', router: 'restarting' });
    f.release();
    await check;
    expect(watch.status()).toEqual({ edge: 'up', router: 'up' });
    expect(f.restarts).toEqual(['router']);
    expect(r.events).toEqual(['proxy.down router', 'proxy.restarted router']);
    expect(synced).toEqual(['router']);
  });

  it('leaves a Caddy that answers alone', async () => {
    const f = fakeProxy();
    const r = recorder();
    const watch = new ProxyWatch({ proxy: f.proxy, logger: quiet, record: r.record });
    await watch.check('edge');
    await watch.check('router');
    expect(f.restarts).toEqual([]);
    expect(r.events).toEqual([]);
  });

  it('reports a Caddy that cannot be started as down, records that once, and backs off', async () => {
    const f = fakeProxy();
    f.release();
    f.failNext(true);
    const r = recorder();
    const watch = new ProxyWatch({ proxy: f.proxy, logger: quiet, record: r.record });
    f.up.edge = false;
    await watch.check('edge');
    await watch.check('edge');
    expect(watch.status().edge).toBe('down');
    expect(r.events).toEqual(['proxy.down edge', 'proxy.restart-failed edge']);
    expect(f.restarts).toEqual(['edge', 'edge']);
    f.failNext(false);
    await watch.check('edge');
    expect(watch.status().edge).toBe('up');
    expect(r.events.at(-1)).toBe('proxy.restarted edge');
  });

  it('notices a dead Caddy within a second when running on its own', async () => {
    const f = fakeProxy();
    f.release();
    const r = recorder();
    const watch = new ProxyWatch({ proxy: f.proxy, logger: quiet, record: r.record, intervalMs: 20 });
    watch.start();
    try {
      await new Promise((res) => setTimeout(res, 50));
      f.up.edge = false;
      const t0 = Date.now();
      while (f.restarts.length === 0 && Date.now() - t0 < 1000) await new Promise((res) => setTimeout(res, 5));
      expect(f.restarts).toEqual(['edge']);
    } finally {
      await watch.stop();
    }
  });

  it('waits longer between checks after each failed restart, at most 30 s', () => {
    expect([0, 1, 2, 3].map((n) => nextCheckMs(n, 500))).toEqual([500, 1000, 2000, 4000]);
    expect(nextCheckMs(20, 500)).toBe(30_000);
  });
});
