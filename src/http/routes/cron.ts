// Scheduled jobs (app.json `cron`): list them with their last runs, run one now, read a run's output.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { cronJobs, cronRun, cronRuns } from '../../domain/cron/cron-service.js';
import { Unavailable } from '../../errors.js';
import { AppParams, ErrorBody, Nullable } from '../schemas.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };
const JobParams = Type.Object({ app: Type.String({ maxLength: 200 }), job: Type.String({ pattern: '^[0-9a-f]{8}$' }) });
const RunParams = Type.Object({ app: Type.String({ maxLength: 200 }), job: Type.String({ pattern: '^[0-9a-f]{8}$' }), run: Type.Integer({ minimum: 1 }) });

const runFields = {
  id: Type.Integer(),
  appId: Type.Integer(),
  jobId: Type.String(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('interrupted')]),
  exitCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
};
const Run = Type.Object({ ...runFields, output: Type.String() });
const RunSummary = Type.Object(runFields);
const Job = Type.Object({
  id: Type.String(),
  schedule: Type.String(),
  command: Type.String(),
  nextRunAt: Nullable(Type.String()),
  running: Type.Boolean(),
  lastRun: Nullable(Run),
  runs: Type.Array(RunSummary),
});

export const cronRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/apps/:app/cron',
      {
        config: { acts: 'app' },
        schema: {
          summary: "The app's scheduled jobs (app.json cron, UTC): when each next runs, its last run with output, and its last 20 runs",
          tags: ['cron'],
          params: AppParams,
          response: { 200: Type.Array(Job), ...errors },
        },
      },
      async (req) => cronJobs(deps, req.params.app),
    );

    app.post(
      '/apps/:app/cron/:job/run',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Run a scheduled job now, in a one-off container of the current release; answers with the run (still going): follow it at its runs/:run',
          tags: ['cron'],
          params: JobParams,
          response: { 202: Run, ...errors },
        },
      },
      async (req, reply) => {
        if (!deps.cronRunNow) throw Unavailable('scheduled jobs are not running on this server');
        const run = await deps.cronRunNow(req.params.app, req.params.job);
        return reply.code(202).send(run);
      },
    );

    app.get(
      '/apps/:app/cron/:job/runs',
      {
        config: { acts: 'app' },
        schema: { summary: "A job's last runs with their output, newest first", tags: ['cron'], params: JobParams, response: { 200: Type.Array(Run), ...errors } },
      },
      async (req) => cronRuns(deps, req.params.app, req.params.job),
    );

    app.get(
      '/apps/:app/cron/:job/runs/:run',
      {
        config: { acts: 'app' },
        schema: { summary: 'One run of a job: status, exit code and output (the last 64 KiB)', tags: ['cron'], params: RunParams, response: { 200: Run, ...errors } },
      },
      async (req) => cronRun(deps, req.params.app, req.params.job, req.params.run),
    );
  };
