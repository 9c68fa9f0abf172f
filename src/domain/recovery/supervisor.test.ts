import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { openDb } from '../../infra/db/database.js';
import type { ContainerEvent, ContainerInfo } from '../../infra/docker/types.js';
import { LABELS, type Deps } from '../context.js';
import { describeDeath, processName, restartDelayMs, Supervisor } from './supervisor.js';
import { engineParts } from '../testing/engine-parts.js';

describe('restartDelayMs', () => {
  it('backs off exponentially from half a second, up to 30 s', () => {
    expect([0, 1, 2, 3, 10].map(restartDelayMs)).toEqual([500, 1000, 2000, 4000, 30_000]);
  });
});

describe('describeDeath', () => {
  it('tells an out-of-memory kill as such, with the limit, rather than "exited with code 137"', () => {
    expect(describeDeath({ name: 'web.1', exitCode: 137, oomKilled: true, memoryLimitBytes: 512 * 1024 * 1024 })).toEqual({ kind: 'process.oom-killed', message: 'web.1 was killed: out of memory (limit 512 MB)' });
    expect(describeDeath({ name: 'worker.2', exitCode: 1, oomKilled: false, memoryLimitBytes: 0 })).toEqual({ kind: 'process.died', message: 'worker.2 exited with code 1' });
  });

  it('names a container by process type and instance', () => {
    expect(processName({ name: 'berth-default-shop-d3-worker-2', [LABELS.process]: 'worker' })).toBe('worker.2');
  });
});

/** A supervisor over an in-memory database and a fake engine whose events the test sends. */
function harness() {
  const db = openDb(':memory:');
  const app = db.apps.insert({ name: 'shop', owner: 'default' });
  const build = db.builds.insert({ appId: app.id, sourceKind: 'image', source: 'x' });
  const d = db.deployments.insert({ appId: app.id, buildId: build.id });
  db.deployments.update(d.id, 'running', { image: 'img', port: 8080, containers: ['c1'] });
  db.apps.setCurrentDeployment(app.id, d.id);
  const labels = { name: 'berth-default-shop-d1-worker-1', [LABELS.instance]: 'i1', [LABELS.deployment]: String(d.id), [LABELS.process]: 'worker' };
  const info: ContainerInfo = { id: 'c1', name: labels.name, state: 'running', exitCode: 0, restartCount: 0, ip: '10.0.0.2', labels, image: 'img', startedAt: '', error: '', oomKilled: false, memoryLimitBytes: 64 * 1024 * 1024 };
  let send: (e: ContainerEvent) => void = () => undefined;
  const deps = {
    config: parseConfig({}),
    db,
    instanceId: 'i1',
        logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    proxy: { apply: async () => undefined },
    ...engineParts({
      followEvents: (_l: unknown, onEvent: (e: ContainerEvent) => void, signal: AbortSignal) => {
        send = onEvent;
        return new Promise<void>((r) => signal.addEventListener('abort', () => r()));
      },
      inspect: async () => info,
      start: async () => undefined,
    }),
  } as unknown as Deps;
  const supervisor = new Supervisor(deps);
  supervisor.start();
  const kinds = () => db.events.listForApp(app.id).reverse().map((e) => `${e.kind}: ${e.message}`);
  return { supervisor, kinds, event: (action: string, exitCode: number | null = null) => send({ action, id: 'c1', labels, exitCode }) };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('Supervisor', () => {
  it("counts restarts made by Docker's restart policy and reports a crash loop after 3 in 2 minutes", async () => {
    const h = harness();
    for (let i = 0; i < 4; i++) {
      h.event('start');
      await tick();
    }
    await h.supervisor.stop();
    const kinds = h.kinds();
    expect(kinds.filter((k) => k.startsWith('process.restarted'))).toHaveLength(4);
    expect(kinds[0]).toBe("process.restarted: worker.1 restarted by Docker's restart policy");
    // Told once per loop, not at every restart.
    expect(kinds.filter((k) => k.startsWith('process.crash-loop'))).toEqual(['process.crash-loop: worker.1 is crash-looping: 3 restarts in 2 minutes']);
  });

  it("tells an out-of-memory kill reported by Docker's oom event, with the container's limit", async () => {
    const h = harness();
    h.event('oom');
    h.event('die', 137);
    await tick();
    await h.supervisor.stop();
    expect(h.kinds()).toEqual(['process.oom-killed: worker.1 was killed: out of memory (limit 64 MB)']);
  });
});
