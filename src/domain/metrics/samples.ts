// The CPU and memory samples users read (the sampler writes them): every visible app's latest,
// and one app's over a span of minutes.
import type { AppRow } from '../../infra/db/rows.js';
import { appRef } from '../apps/app-ref.js';
import type { Deps } from '../context.js';

export interface SampleView {
  at: string;
  cpuPercent: number;
  memoryBytes: number;
}

/** The latest sample of every app `visible` lets the caller see (undefined: every app). */
export function latestSamples(deps: Deps, visible: ((owner: string) => boolean) | undefined): (SampleView & { app: string })[] {
  return deps.db.metrics.latest().flatMap((m) => {
    const a = deps.db.apps.get(m.appId);
    return a && (!visible || visible(a.owner)) ? [{ app: appRef(a), at: m.at, cpuPercent: m.cpuPercent, memoryBytes: m.memoryBytes }] : [];
  });
}

/** The app's samples of the last `minutes`, oldest first. */
export function appSamples(deps: Deps, app: AppRow, minutes: number, now = Date.now()): SampleView[] {
  const since = new Date(now - minutes * 60_000).toISOString();
  return deps.db.metrics.since(app.id, since).map(({ at, cpuPercent, memoryBytes }) => ({ at, cpuPercent, memoryBytes }));
}
