// /api/v1/apps: create, list, show, status, destroy, and an app's deployments, builds, events.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { appStatus, createApp, destroyApp, listBuilds, listDeployments, listEvents, viewApp, viewVisibleApps } from '../../domain/catalog/app-service.js';
import { getApp } from '../../domain/apps/app-ref.js';
import { appDomains, setAppDomains } from '../../domain/catalog/app-domains.js';
import type { Deps } from '../../domain/context.js';
import { requireOwner, visibility } from '../access.js';
import { AppParams, AppStatusView, AppView, Build, CreateAppBody, Deployment, ErrorBody, Event, HostCertificateSchema } from '../schemas.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const appRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    // One question to Docker for the whole list, so `berth apps` agrees with `berth status`.
    app.get('/apps', { schema: { summary: 'List the apps the caller may see', tags: ['apps'], response: { 200: Type.Array(AppView) } } }, async (req) =>
      viewVisibleApps(deps, visibility(deps, req)),
    );

    app.post('/apps', { schema: { summary: 'Create an app', tags: ['apps'], body: CreateAppBody, response: { 201: AppView, ...errors } } }, async (req, reply) => {
      requireOwner(deps, req, req.body.owner ?? 'default');
      const created = createApp(deps, req.body);
      return reply.status(201).send(await viewApp(deps, created));
    });

    app.get('/apps/:app', { config: { acts: 'app' }, schema: { summary: 'Show an app', tags: ['apps'], params: AppParams, response: { 200: AppView, ...errors } } }, async (req) =>
      viewApp(deps, getApp(deps, req.params.app)),
    );

    app.get(
      '/apps/:app/status',
      { config: { acts: 'app' }, schema: { summary: "An app's live status with its containers", tags: ['apps'], params: AppParams, response: { 200: AppStatusView, ...errors } } },
      async (req) => appStatus(deps, getApp(deps, req.params.app)),
    );

    const DestroyQuery = Type.Object({ volumes: Type.Optional(Type.Boolean({ description: "remove the app's named volumes and their data too (default: kept)" })) });
    const Destroyed = Type.Object({
      destroyed: Type.String(),
      volumes: Type.Object({
        kept: Type.Array(Type.String(), { description: 'named volumes left in place: an app created again with this name mounts them again' }),
        removed: Type.Array(Type.String()),
      }),
    });
    app.delete(
      '/apps/:app',
      {
        config: { acts: 'app', goneApp: true },
        schema: { summary: 'Destroy an app: containers, images, routes, rows; ?volumes=true its volumes too (also of an app destroyed before)', tags: ['apps'], params: AppParams, querystring: DestroyQuery, response: { 200: Destroyed, ...errors } },
      },
      async (req) => {
        const volumes = await destroyApp(deps, req.params.app, { volumes: req.query.volumes === true });
        return { destroyed: req.params.app, volumes };
      },
    );

    const Domains = Type.Object({
      domains: Type.Array(Type.String()),
      allowed: Type.Array(Type.String(), { description: "what an admin allows the app's owner: each entry and its subdomains" }),
      certificates: Type.Array(HostCertificateSchema, { description: "each of the app's hosts and its certificate" }),
    });
    app.get(
      '/apps/:app/domains',
      { config: { acts: 'app' }, schema: { summary: "An app's custom domains, and those its owner may use", tags: ['apps'], params: AppParams, response: { 200: Domains, ...errors } } },
      async (req) => appDomains(deps, getApp(deps, req.params.app)),
    );

    app.put(
      '/apps/:app/domains',
      {
        config: { acts: 'app' },
        schema: {
          summary: "Replace an app's custom domains (only those an admin allows its owner, used by no other app); routed at once",
          tags: ['apps'],
          params: AppParams,
          body: Type.Object({ domains: Type.Array(Type.String({ maxLength: 260 }), { maxItems: 50 }) }, { additionalProperties: false }),
          response: { 200: Domains, ...errors, 403: ErrorBody },
        },
      },
      async (req) => {
        const a = getApp(deps, req.params.app);
        await setAppDomains(deps, a, req.body.domains);
        return appDomains(deps, getApp(deps, req.params.app));
      },
    );

    app.get(
      '/apps/:app/deployments',
      { config: { acts: 'app' }, schema: { summary: "An app's deployments, newest first", tags: ['deploys'], params: AppParams, response: { 200: Type.Array(Deployment), ...errors } } },
      async (req) => listDeployments(deps, req.params.app),
    );

    app.get(
      '/apps/:app/builds',
      { config: { acts: 'app' }, schema: { summary: "An app's builds of source (uploads, git refs), newest first, each with its deploy's outcome", tags: ['deploys'], params: AppParams, response: { 200: Type.Array(Build), ...errors } } },
      async (req) => listBuilds(deps, req.params.app),
    );

    app.get(
      '/apps/:app/events',
      { config: { acts: 'app' }, schema: { summary: "An app's event log, newest first", tags: ['apps'], params: AppParams, response: { 200: Type.Array(Event), ...errors } } },
      async (req) => listEvents(deps, req.params.app),
    );
  };
