// Releases and config vars: history, rollback, and config changes rolled out as releases.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { getApp } from '../../domain/apps/app-ref.js';
import { presentConfig, readConfig } from '../../domain/config-vars/config-service.js';
import type { Deps } from '../../domain/context.js';
import { changeConfig, changeSettings, listReleases, restartApp, rollback, viewSettings } from '../../domain/releases/release-service.js';
import { deployAnswer } from '../deploy-answer.js';
import { AppParams, ErrorBody, HealthCheck, Limits, Nullable, StartedDeploy, WaitQuery } from '../schemas.js';
import { mayWrite } from '../../domain/users/tokens.js';
import { Forbidden } from '../../errors.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const Release = Type.Object({
  version: Type.Integer(),
  image: Type.String(),
  description: Type.String(),
  configKeys: Type.Array(Type.String()),
  changes: Type.Array(Type.String(), { description: 'what changed from the release before, e.g. "port 3000→8080", "+DOMAIN a.example"' }),
  current: Type.Boolean(),
  deploymentId: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(),
});
const ConfigBody = Type.Object({ config: Type.Record(Type.String(), Type.String()) });
const Settings = Type.Object({
  port: Nullable(Type.Integer()),
  healthcheck: HealthCheck,
  limits: Limits,
  own: Type.Object({ port: Type.Boolean(), healthcheck: Type.Array(Type.String()), memoryMb: Type.Boolean(), cpus: Type.Boolean() }),
});
// Checked in the domain (release-spec.ts checkSettings) with the server's ceilings; here only the shape.
const SettingsChange = Type.Object(
  {
    port: Type.Optional(Nullable(Type.Integer())),
    healthcheck: Type.Optional(
      Nullable(
        Type.Object(
          { path: Type.Optional(Type.String()), timeoutMs: Type.Optional(Type.Integer()), attempts: Type.Optional(Type.Integer()), intervalMs: Type.Optional(Type.Integer()), waitMs: Type.Optional(Type.Integer()) },
          { additionalProperties: false },
        ),
      ),
    ),
    limits: Type.Optional(Nullable(Type.Object({ memoryMb: Type.Optional(Nullable(Type.Integer())), cpus: Type.Optional(Nullable(Type.Number())) }, { additionalProperties: false }))),
  },
  { additionalProperties: false },
);

export const releaseRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/apps/:app/releases',
      { config: { acts: 'app' }, schema: { summary: "An app's releases, newest first (config keys, never values)", tags: ['releases'], params: AppParams, response: { 200: Type.Array(Release), ...errors } } },
      async (req) => listReleases(deps, req.params.app),
    );

    app.post(
      '/apps/:app/rollback',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Roll back to a release (default: the one before the current), reusing its image: a new release',
          tags: ['releases'],
          params: AppParams,
          querystring: WaitQuery,
          body: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
          response: { 201: StartedDeploy, 202: StartedDeploy, ...errors },
        },
      },
      async (req, reply) => {
        const { code, body } = await deployAnswer(deps, await rollback(deps, req.params.app, req.body.version), req.query.wait);
        return reply.status(code).send(body);
      },
    );

    app.post(
      '/apps/:app/restart',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Restart with zero downtime: the current release in new containers, then the switch',
          tags: ['releases'],
          params: AppParams,
          querystring: WaitQuery,
          response: { 201: StartedDeploy, 202: StartedDeploy, ...errors },
        },
      },
      async (req, reply) => {
        const { code, body } = await deployAnswer(deps, await restartApp(deps, req.params.app), req.query.wait);
        return reply.status(code).send(body);
      },
    );

    app.get(
      '/apps/:app/config',
      {
        config: { acts: 'app' },
        schema: {
          summary: "An app's config vars; values are masked unless ?reveal=true",
          tags: ['config'],
          params: AppParams,
          querystring: Type.Object({ reveal: Type.Optional(Type.Boolean()) }),
          response: { 200: ConfigBody, ...errors },
        },
      },
      async (req) => {
        // Values are secrets: a viewer sees the keys only.
        if (req.query.reveal && !mayWrite(req.principal!.user.role)) throw Forbidden(`${req.principal!.user.name} is a viewer: config values are for members and admins`);
        return { config: presentConfig(readConfig(deps, getApp(deps, req.params.app).id), req.query.reveal ?? false) };
      },
    );

    app.patch(
      '/apps/:app/config',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Set and unset config vars; a running app gets a new release with zero downtime',
          tags: ['config'],
          params: AppParams,
          querystring: WaitQuery,
          body: Type.Object(
            { set: Type.Optional(Type.Record(Type.String(), Type.String(), { maxProperties: 500 })), unset: Type.Optional(Type.Array(Type.String(), { maxItems: 500 })) },
            { additionalProperties: false },
          ),
          response: { 200: ConfigBody, 201: StartedDeploy, 202: StartedDeploy, ...errors },
        },
      },
      async (req, reply) => {
        const outcome = await changeConfig(deps, req.params.app, req.body);
        if ('stored' in outcome) return reply.status(200).send({ config: presentConfig(readConfig(deps, getApp(deps, req.params.app).id), false) });
        const { code, body } = await deployAnswer(deps, outcome.rolledOut, req.query.wait);
        return reply.status(code).send(body);
      },
    );

    app.get(
      '/apps/:app/settings',
      { config: { acts: 'app' }, schema: { summary: "An app's port, health check and limits (the defaults filled in)", tags: ['config'], params: AppParams, response: { 200: Settings, ...errors } } },
      async (req) => viewSettings(deps, req.params.app),
    );

    app.patch(
      '/apps/:app/settings',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Change the port, health check or limits (null: the default); a running app gets a new release with zero downtime',
          tags: ['config'],
          params: AppParams,
          querystring: WaitQuery,
          body: SettingsChange,
          response: { 200: Type.Object({ stored: Type.Literal(true), settings: Settings }), 201: StartedDeploy, 202: StartedDeploy, ...errors },
        },
      },
      async (req, reply) => {
        const outcome = await changeSettings(deps, req.params.app, req.body);
        if ('stored' in outcome) return reply.status(200).send({ stored: true as const, settings: viewSettings(deps, req.params.app) });
        const { code, body } = await deployAnswer(deps, outcome.rolledOut, req.query.wait);
        return reply.status(code).send(body);
      },
    );
  };
