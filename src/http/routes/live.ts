// What the dashboard keeps up to date: the latest CPU/memory of every app, an app's samples
// over time, and a live feed of events (deploys, crashes, config changes) as SSE.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { getApp } from '../../domain/apps/app-service.js';
import type { Deps } from '../../domain/context.js';
import type { EventRow } from '../../infra/db/rows.js';
import { visibility } from '../access.js';
import { AppParams, ErrorBody } from '../schemas.js';
import { openSse } from '../sse.js';

const Sample = Type.Object({ at: Type.String(), cpuPercent: Type.Number(), memoryBytes: Type.Integer() });
const POLL_MS = 500;

export const liveRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const feed = new EventFeed(deps);
    app.get(
      '/metrics',
      { schema: { summary: 'The latest CPU and memory sample of every app the caller may see', tags: ['metrics'], response: { 200: Type.Array(Type.Intersect([Type.Object({ app: Type.String() }), Sample])) } } },
      async (req) => {
        const visible = visibility(deps, req);
        return deps.db.metrics.latest().flatMap((m) => {
          const a = deps.db.apps.get(m.appId);
          return a && (!visible || visible(a.owner)) ? [{ app: `${a.owner}/${a.name}`, at: m.at, cpuPercent: m.cpuPercent, memoryBytes: m.memoryBytes }] : [];
        });
      },
    );

    app.get(
      '/apps/:app/metrics',
      {
        schema: {
          summary: "An app's CPU and memory samples, oldest first (default: the last hour)",
          tags: ['metrics'],
          params: AppParams,
          querystring: Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })) }),
          response: { 200: Type.Array(Sample), 404: ErrorBody },
        },
      },
      async (req) => {
        const a = getApp(deps, req.params.app);
        const since = new Date(Date.now() - (req.query.minutes ?? 60) * 60_000).toISOString();
        return deps.db.metrics.since(a.id, since).map(({ at, cpuPercent, memoryBytes }) => ({ at, cpuPercent, memoryBytes }));
      },
    );

    app.get(
      '/events/stream',
      { schema: { summary: 'New events of the apps the caller may see, as they happen (SSE `event` events)', tags: ['metrics'], response: { 200: Type.String({ description: 'text/event-stream' }) } } },
      async (req, reply) => {
        const sse = openSse(deps, req, reply);
        const since = deps.db.events.lastId();
        const unsubscribe = feed.subscribe((e) => {
          if (e.id <= since) return;
          // Asked per event: a membership removed while the stream is open applies at once.
          const visible = visibility(deps, req);
          const a = e.appId !== null ? deps.db.apps.get(e.appId) : undefined;
          if (!a && visible) return;
          if (a && visible && !visible(a.owner)) return;
          sse.send('event', { id: e.id, app: a ? `${a.owner}/${a.name}` : null, kind: e.kind, message: e.message, at: e.createdAt });
        });
        sse.signal.addEventListener('abort', unsubscribe);
        return reply;
      },
    );
  };

/**
 * One poll of the events table for every open feed: SQLite is the source of truth, and every
 * writer is in this process or a restarted one, so reading its newest rows (an indexed range
 * scan) every POLL_MS while anyone listens is simple and cheap; each listener filters.
 */
class EventFeed {
  private readonly listeners = new Set<(e: EventRow) => void>();
  private timer: NodeJS.Timeout | null = null;
  private last = 0;

  constructor(private readonly deps: Deps) {}

  subscribe(fn: (e: EventRow) => void): () => void {
    if (this.listeners.size === 0) {
      this.last = this.deps.db.events.lastId();
      this.timer = setInterval(() => {
        for (const e of this.deps.db.events.after(this.last)) {
          this.last = e.id;
          this.listeners.forEach((l) => l(e));
        }
      }, POLL_MS);
    }
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0 && this.timer) clearInterval(this.timer);
    };
  }
}
