// Log endpoints: a deploy's build-and-release log, and an app's runtime output. With
// ?follow=true they stream as Server-Sent Events (`line` events, then `end`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { getApp } from '../../domain/apps/app-ref.js';
import type { Deps } from '../../domain/context.js';
import { DEFAULT_TAIL, MAX_TAIL, followAppLogs, formatEntry, parseTail, readAppLogs } from '../../domain/processes/app-logs.js';
import { deployLogFollower, deploymentOfBuild, readDeployLog } from '../../domain/deploys/deploy-log.js';
import { AppParams, ErrorBody, IdParams, LogsQuery } from '../schemas.js';
import { openSse } from '../sse.js';

const Lines = Type.Object({ lines: Type.Array(Type.String()), done: Type.Boolean() });
const Entry = Type.Object({ time: Type.String(), process: Type.String(), stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]), text: Type.String() });
/** `lines` are the entries as `berth logs` prints them: `2026-11-23T15:04:05Z web.1  listening`. */
const AppLines = Type.Object({ lines: Type.Array(Type.String()), entries: Type.Array(Entry), done: Type.Boolean() });

export const logRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const deployLog = (id: number, follow: boolean | undefined, req: FastifyRequest, reply: FastifyReply) => {
      if (!follow) return readDeployLog(deps, id);
      const start = deployLogFollower(deps, id);
      const sse = openSse(deps, req, reply);
      const stop = start(
        (line) => sse.send('line', { line }),
        (end) => {
          sse.send('end', end);
          sse.end();
        },
      );
      sse.signal.addEventListener('abort', stop);
      return reply;
    };

    app.get(
      '/deployments/:id/log',
      { config: { acts: 'deployment' }, schema: { summary: "A deploy's log (build and release); ?follow=true streams it as SSE", tags: ['logs'], params: IdParams, querystring: LogsQuery, response: { 200: Lines, 404: ErrorBody } } },
      async (req, reply) => deployLog(req.params.id, req.query.follow, req, reply),
    );

    app.get(
      '/builds/:id/log',
      { config: { acts: 'build' }, schema: { summary: "A build's log; ?follow=true streams it as SSE", tags: ['logs'], params: IdParams, querystring: LogsQuery, response: { 200: Lines, 404: ErrorBody } } },
      async (req, reply) => deployLog(deploymentOfBuild(deps, req.params.id), req.query.follow, req, reply),
    );

    app.get(
      '/apps/:app/logs',
      {
        config: { acts: 'app' },
        schema: {
          summary:
            "An app's runtime output, oldest first: each line with its time and process (web.1), from the current release's containers and from those a failed start left; ?follow=true streams it as SSE (`line` events carry the same fields)",
          tags: ['logs'],
          params: AppParams,
          // tail is checked by parseTail, which names the bad value in words.
          querystring: Type.Object({ follow: Type.Optional(Type.Boolean()), tail: Type.Optional(Type.String({ description: `lines of history, 0 to ${MAX_TAIL} (default ${DEFAULT_TAIL})` })) }),
          response: { 200: AppLines, 400: ErrorBody, 404: ErrorBody },
        },
      },
      async (req, reply) => {
        const a = getApp(deps, req.params.app);
        const tail = parseTail(req.query.tail);
        if (!req.query.follow) {
          const entries = await readAppLogs(deps, a, tail);
          return { lines: entries.map(formatEntry), entries, done: true };
        }
        const sse = openSse(deps, req, reply);
        await followAppLogs(deps, a, tail, (e) => sse.send('line', { line: formatEntry(e), ...e }), sse.signal);
        sse.send('end', { status: 'closed', reason: null });
        sse.end();
        return reply;
      },
    );
  };
