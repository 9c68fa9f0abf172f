// Log endpoints: a deploy's build-and-release log, and an app's runtime output. With
// ?follow=true they stream as Server-Sent Events (`line` events, then `end`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { getApp } from '../../domain/apps/app-service.js';
import { appUrls } from '../../domain/apps/urls.js';
import type { Deps } from '../../domain/context.js';
import { logKey } from '../../domain/deploys/deploy-source.js';
import { NotFound } from '../../errors.js';
import { AppParams, ErrorBody, IdParams, LogsQuery } from '../schemas.js';
import { openSse } from '../sse.js';

const Lines = Type.Object({ lines: Type.Array(Type.String()), done: Type.Boolean() });

export const logRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const deployLog = (id: number, follow: boolean | undefined, req: FastifyRequest, reply: FastifyReply) => {
      const key = logKey(id);
      if (!follow) return { lines: deps.logs.read(key), done: !deps.logs.isLive(key) };
      const sse = openSse(deps, req, reply);
      const stop = deps.logs.follow(
        key,
        (line) => sse.send('line', { line }),
        () => {
          const d = deps.db.deployments.get(id);
          const app = d ? deps.db.apps.get(d.appId) : undefined;
          sse.send('end', { status: d?.status ?? 'unknown', reason: d?.reason ?? null, urls: app ? appUrls(app, deps.config) : [] });
          sse.end();
        },
      );
      sse.signal.addEventListener('abort', stop);
      return reply;
    };

    app.get(
      '/deployments/:id/log',
      { config: { acts: 'deployment' }, schema: { summary: "A deploy's log (build and release); ?follow=true streams it as SSE", tags: ['logs'], params: IdParams, querystring: LogsQuery, response: { 200: Lines, 404: ErrorBody } } },
      async (req, reply) => {
        if (!deps.db.deployments.get(req.params.id)) throw NotFound(`deployment #${req.params.id} does not exist`);
        return deployLog(req.params.id, req.query.follow, req, reply);
      },
    );

    app.get(
      '/builds/:id/log',
      { config: { acts: 'build' }, schema: { summary: "A build's log; ?follow=true streams it as SSE", tags: ['logs'], params: IdParams, querystring: LogsQuery, response: { 200: Lines, 404: ErrorBody } } },
      async (req, reply) => {
        const d = deps.db.deployments.byBuild(req.params.id);
        if (!d) throw NotFound(`build #${req.params.id} does not exist`);
        return deployLog(d.id, req.query.follow, req, reply);
      },
    );

    app.get(
      '/apps/:app/logs',
      {
        schema: {
          summary: "An app's runtime output; ?follow=true streams it as SSE",
          tags: ['logs'],
          params: AppParams,
          querystring: LogsQuery,
          response: { 200: Lines, 404: ErrorBody },
        },
      },
      async (req, reply) => {
        const a = getApp(deps, req.params.app);
        const current = a.currentDeploymentId !== null ? deps.db.deployments.get(a.currentDeploymentId) : undefined;
        const containers = current?.containers ?? [];
        const tail = req.query.tail ?? 100;
        if (!req.query.follow) {
          const lines = (await Promise.all(containers.map((id) => deps.docker.tailLogs(id, tail)))).flat();
          return { lines, done: true };
        }
        const sse = openSse(deps, req, reply);
        await Promise.all(
          containers.map((id) =>
            deps.docker
              .streamLogs(id, { follow: true, tail, onLine: (line, stream) => sse.send('line', { line, stream }) }, sse.signal)
              .catch((e: unknown) => sse.send('line', { line: `berth: log stream ended: ${String(e)}`, stream: 'stderr' })),
          ),
        );
        sse.send('end', { status: 'closed', reason: null });
        sse.end();
        return reply;
      },
    );
  };
