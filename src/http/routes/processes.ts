// Process formation and the containers behind it: scale, ps.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { runCommand } from '../../domain/processes/process-containers.js';
import { formationOf, oneOffContext, ps, scale } from '../../domain/processes/scale.js';
import { errorInfo } from '../error-body.js';
import { openSse } from '../sse.js';
import { AppParams, ErrorBody, Nullable } from '../schemas.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const Formation = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,29}$' }), Type.Integer({ minimum: 0, maximum: 20 }), { maxProperties: 20 });
const FormationRow = Type.Object({ type: Type.String(), quantity: Type.Integer(), command: Nullable(Type.String()) });
const Ps = Type.Object({
  name: Type.String(),
  type: Type.String(),
  state: Type.String(),
  startedAt: Type.String(),
  restarts: Type.Integer(),
  cpuPercent: Nullable(Type.Number()),
  memoryBytes: Nullable(Type.Number()),
  memoryLimitBytes: Nullable(Type.Number()),
});

export const processRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/apps/:app/scale',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Set how many containers run per process type; applied to the running release in place',
          tags: ['processes'],
          params: AppParams,
          body: Type.Object({ formation: Formation }, { additionalProperties: false }),
          response: { 200: Type.Object({ formation: Type.Record(Type.String(), Type.Integer()), applied: Type.Boolean(), processes: Type.Array(FormationRow) }), ...errors },
        },
      },
      async (req) => {
        const r = await scale(deps, req.params.app, req.body.formation);
        return { ...r, processes: formationOf(deps, req.params.app) };
      },
    );

    app.get(
      '/apps/:app/formation',
      {
        config: { acts: 'app' },
        schema: {
          summary: "The app's process types: how many of each run and their command (null: the image's CMD, or nothing deployed yet)",
          tags: ['processes'],
          params: AppParams,
          response: { 200: Type.Array(FormationRow), ...errors },
        },
      },
      async (req) => formationOf(deps, req.params.app),
    );

    app.post(
      '/apps/:app/runs',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Run a one-off command in a new container of the current release; answers with an SSE stream of its output, then `exit` {code}',
          tags: ['processes'],
          params: AppParams,
          body: Type.Object({ command: Type.Array(Type.String({ maxLength: 8192 }), { minItems: 1, maxItems: 256 }) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) => {
        // Whatever can fail with a 4xx is checked before the stream opens.
        const ctx = await oneOffContext(deps, req.params.app, req.body.command);
        const sse = openSse(deps, req, reply);
        try {
          sse.send('exit', await runCommand(deps, ctx, req.body.command, (line) => sse.send('line', { line }), sse.signal));
        } catch (e) {
          // The stream is open, so the error handler can no longer answer: the exit event says
          // what it would have (a BerthError's message and hint; an internal error by request id).
          const { message, hint } = errorInfo(req, e);
          sse.send('exit', { code: 125, error: message, ...(hint ? { hint } : {}) });
        }
        sse.end();
        return reply;
      },
    );

    app.get(
      '/apps/:app/ps',
      { config: { acts: 'app' }, schema: { summary: "An app's containers: state, uptime, restarts, CPU and memory", tags: ['processes'], params: AppParams, response: { 200: Type.Array(Ps), ...errors } } },
      async (req) => ps(deps, req.params.app),
    );
  };
