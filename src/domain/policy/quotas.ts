// Per-owner quotas: how many apps, previews and concurrent one-off runs an owner may have. The
// server's defaults (BERTH_QUOTA_*) apply unless an admin set the owner's own (`berth owners quota`).
import type { Quotas } from '../../config.js';
import { Conflict, type BerthError } from '../../errors.js';
import { LABELS, type Deps } from '../context.js';

export type QuotaKind = keyof Quotas;

const NOUN: Record<QuotaKind, [one: string, many: string]> = {
  apps: ['app', 'apps'],
  previews: ['preview', 'previews'],
  runs: ['one-off run going', 'one-off runs going'],
};

/** The quotas that hold for the owner: its own where an admin set them, else the server's. */
export function ownerQuotas(deps: Deps, owner: string): Quotas {
  const own = deps.db.owners.get(owner)?.quotas;
  const d = deps.config.quotas;
  return { apps: own?.apps ?? d.apps, previews: own?.previews ?? d.previews, runs: own?.runs ?? d.runs };
}

/** The refusal when an owner that has `have` of a kind asks for one more (pure). */
export function quotaRefusal(owner: string, kind: QuotaKind, have: number, limit: number): BerthError {
  const [one, many] = NOUN[kind];
  return Conflict(`owner ${owner} has ${have} ${have === 1 ? one : many}, its limit; an admin can raise it: berth owners quota ${owner} --${kind} ${limit + 1}`);
}

/** Throws Conflict when the owner may not have one more app (or preview). Call inside the creating transaction. */
export function checkAppQuota(deps: Deps, owner: string, kind: 'apps' | 'previews'): void {
  const limit = ownerQuotas(deps, owner)[kind];
  const have = deps.db.owners.countApps(owner, kind === 'previews');
  if (have >= limit) throw quotaRefusal(owner, kind, have, limit);
}

/** Throws Conflict when the owner already has as many one-off runs going as it may. */
export async function checkRunQuota(deps: Deps, owner: string): Promise<void> {
  const limit = ownerQuotas(deps, owner).runs;
  // Docker is what runs them: its containers count, whatever this process remembers.
  const runs = await deps.scheduler.listContainers({ [LABELS.instance]: deps.instanceId, [LABELS.owner]: owner, [LABELS.process]: 'run' });
  const have = runs.filter((c) => c.state === 'running' || c.state === 'created' || c.state === 'restarting').length;
  if (have >= limit) throw quotaRefusal(owner, 'runs', have, limit);
}
