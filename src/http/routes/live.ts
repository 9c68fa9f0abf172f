// What the dashboard keeps up to date: the latest CPU/memory of every app, an app's samples
// over time, and a live feed of events (deploys, crashes, config changes) as SSE.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { getApp } from '../../domain/apps/app-ref.js';
import { EventFeed } from '../../domain/audit/event-feed.js';
import type { Deps } from '../../domain/context.js';
import { appSamples, latestSamples } from '../../domain/metrics/samples.js';
import { visibility } from '../access.js';
import { AppParams, ErrorBody } from '../schemas.js';
import { openSse } from '../sse.js';

const Sample = Type.Object({ at: Type.String(), cpuPercent: Type.Number(), memoryBytes: Type.Integer() });

export const liveRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const feed = new EventFeed(deps);
    app.get(
      '/metrics',
      { schema: { summary: 'The latest CPU and memory sample of every app the caller may see', tags: ['metrics'], response: { 200: Type.Array(Type.Intersect([Type.Object({ app: Type.String() }), Sample])) } } },
      async (req) => latestSamples(deps, visibility(deps, req)),
    );

    app.get(
      '/apps/:app/metrics',
      {
        config: { acts: 'app' },
        schema: {
          summary: "An app's CPU and memory samples, oldest first (default: the last hour)",
          tags: ['metrics'],
          params: AppParams,
          querystring: Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })) }),
          response: { 200: Type.Array(Sample), 404: ErrorBody },
        },
      },
      async (req) => appSamples(deps, getApp(deps, req.params.app), req.query.minutes ?? 60),
    );

    app.get(
      '/events/stream',
      { schema: { summary: 'New events of the apps the caller may see, as they happen (SSE `event` events)', tags: ['metrics'], response: { 200: Type.String({ description: 'text/event-stream' }) } } },
      async (req, reply) => {
        const sse = openSse(deps, req, reply);
        // Asked per event: a membership removed while the stream is open applies at once.
        const unsubscribe = feed.subscribe(
          () => visibility(deps, req),
          (e) => sse.send('event', e),
        );
        sse.signal.addEventListener('abort', unsubscribe);
        return reply;
      },
    );
  };
