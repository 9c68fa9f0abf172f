import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { openDb } from '../../infra/db/database.js';
import { insertApp } from '../apps/app-ref.js';
import { LABELS, type Deps } from '../context.js';
import { checkRunQuota, ownerQuotas, quotaRefusal } from './quotas.js';
import { engineParts } from '../testing/engine-parts.js';

/** Deps over an in-memory database, small default quotas, and a fake engine listing `runs` run containers. */
function harness(runs: string[] = []) {
  const db = openDb(':memory:');
  const deps = {
    config: parseConfig({ quotaApps: '2', quotaPreviews: '1', quotaRuns: '2' }),
    db,
    instanceId: 'i1',
    ...engineParts({
      listContainers: async (labels: Record<string, string>) => (labels[LABELS.process] === 'run' && labels[LABELS.owner] === 'acme' ? runs.map((state, i) => ({ id: `c${i}`, state })) : []),
    }),
  } as unknown as Deps;
  return { deps, db };
}

describe('per-owner quotas', () => {
  it('refuses with a 409 that says the count, the limit and the command that raises it', () => {
    const e = quotaRefusal('acme', 'apps', 50, 50);
    expect(e.status).toBe(409);
    expect(e.message).toBe('owner acme has 50 apps, its limit; an admin can raise it: berth owners quota acme --apps 51');
    expect(quotaRefusal('acme', 'runs', 1, 1).message).toBe('owner acme has 1 one-off run going, its limit; an admin can raise it: berth owners quota acme --runs 2');
  });

  it("refuses an owner's app over the default quota, and previews count apart from apps", () => {
    const { deps, db } = harness();
    db.tx(() => insertApp(deps, { name: 'one', owner: 'acme' }));
    db.tx(() => insertApp(deps, { name: 'two', owner: 'acme' }));
    expect(() => db.tx(() => insertApp(deps, { name: 'three', owner: 'acme' }))).toThrow('owner acme has 2 apps, its limit');
    // Another owner has its own count.
    expect(() => db.tx(() => insertApp(deps, { name: 'three', owner: 'other' }))).not.toThrow();
    const p = db.tx(() => insertApp(deps, { name: 'one-pr-1', owner: 'acme', preview: true }));
    db.apps.setPreview(p.id, { parentId: 1, prNumber: 1, expiresAt: '2999-01-01T00:00:00Z' });
    expect(() => db.tx(() => insertApp(deps, { name: 'one-pr-2', owner: 'acme', preview: true }))).toThrow('owner acme has 1 preview, its limit');
  });

  it("takes the owner's own quota over the default, and null back to the default", () => {
    const { deps, db } = harness();
    db.owners.ensure('acme');
    expect(ownerQuotas(deps, 'acme')).toEqual({ apps: 2, previews: 1, runs: 2 });
    db.owners.setQuotas('acme', { apps: 5 });
    expect(ownerQuotas(deps, 'acme')).toEqual({ apps: 5, previews: 1, runs: 2 });
    db.owners.setQuotas('acme', { runs: 0 });
    expect(ownerQuotas(deps, 'acme')).toEqual({ apps: 5, previews: 1, runs: 0 });
    db.owners.setQuotas('acme', { apps: null });
    expect(ownerQuotas(deps, 'acme').apps).toBe(2);
  });

  it('counts the one-off runs Docker has going, not those that have exited', async () => {
    await expect(checkRunQuota(harness(['running', 'exited', 'exited']).deps, 'acme')).resolves.toBeUndefined();
    await expect(checkRunQuota(harness(['running', 'created']).deps, 'acme')).rejects.toThrow('owner acme has 2 one-off runs going, its limit');
  });
});
