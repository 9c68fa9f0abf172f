// The live feed of events (deploys, crashes, config changes) the dashboard shows as they happen.
// One poll of the events table serves every open feed: SQLite is the source of truth, and every
// writer is in this process or a restarted one, so reading its newest rows (an indexed range
// scan) every pollMs while anyone listens is simple and cheap; each subscriber filters.
import type { EventRow } from '../../infra/db/rows.js';
import { appRef } from '../apps/app-ref.js';
import type { Deps } from '../context.js';

/** One event as a subscriber gets it. */
export interface LiveEvent {
  id: number;
  /** owner/name, or null for an event of no app (users, owners). */
  app: string | null;
  kind: string;
  message: string;
  at: string;
}

/** Which owners' apps the subscriber sees now (undefined: all, as an admin). */
export type Visibility = ((owner: string) => boolean) | undefined;

/** The event as `visible` lets it be seen, or null: events of no app only for those who see every owner. */
export function liveEvent(deps: Deps, e: EventRow, visible: Visibility): LiveEvent | null {
  const a = e.appId !== null ? deps.db.apps.get(e.appId) : undefined;
  // An event of no app (an add-on's, a backup's) is its owner's, when it names one; else admins' only.
  const owner = a?.owner ?? e.owner;
  if (visible && (owner === null || !visible(owner))) return null;
  return { id: e.id, app: a ? appRef(a) : null, kind: e.kind, message: e.message, at: e.createdAt };
}

export class EventFeed {
  private readonly listeners = new Set<(e: EventRow) => void>();
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  constructor(
    private readonly deps: Deps,
    private readonly pollMs = 500,
  ) {}

  /**
   * Calls `fn` with every event written from now on that the subscriber may see; `visibility`
   * is asked per event, so a membership removed while the feed is open applies at once.
   * Returns the function that unsubscribes.
   */
  subscribe(visibility: () => Visibility, fn: (e: LiveEvent) => void): () => void {
    const since = this.deps.db.events.lastId();
    const listener = (e: EventRow) => {
      if (e.id <= since) return;
      const seen = liveEvent(this.deps, e, visibility());
      if (seen) fn(seen);
    };
    if (this.listeners.size === 0) {
      this.last = since;
      this.timer = setInterval(() => {
        for (const e of this.deps.db.events.after(this.last)) {
          this.last = e.id;
          this.listeners.forEach((l) => l(e));
        }
      }, this.pollMs);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) clearInterval(this.timer);
    };
  }
}
