// Add-ons (managed PostgreSQL and Redis): create one for an app, attach and detach it, list,
// info, destroy, and run its client in a one-off container. An add-on the caller's owners do
// not include is "not found", as apps are (access.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { createAddon, attach, destroyAddon, detach, getAddon, listAddons, runClient, viewAddon } from '../../domain/addons/addon-service.js';
import type { ConfigOutcome } from '../../domain/releases/release-service.js';
import { ADDON_TYPES } from '../../domain/addons/addon-kinds.js';
import type { Deps } from '../../domain/context.js';
import { appFor, visibility } from '../access.js';
import { streamed } from '../sse.js';
import { AppParams, ErrorBody, Nullable } from '../schemas.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const AddonName = Type.String({ maxLength: 60 });
const Addon = Type.Object({
  name: Type.String(),
  owner: Type.String(),
  type: Type.String(),
  version: Type.String(),
  status: Type.String({ description: "the container's state: running, restarting, exited, ... or missing" }),
  url: Type.String({ description: 'the URL apps get, the password masked' }),
  envVar: Type.String(),
  attachedTo: Type.Array(Type.String()),
  createdAt: Type.String(),
});
const Release = Type.Object({
  status: Type.Union([Type.Literal('live'), Type.Literal('stored'), Type.Literal('failed')], { description: 'live: a new release runs with it; stored: the app had no running release' }),
  deploymentId: Nullable(Type.Integer()),
  reason: Nullable(Type.String()),
});

/** What became of a config change: the new release live (or failed), or only stored. */
async function released(outcome: ConfigOutcome | null) {
  if (!outcome || 'stored' in outcome) return { status: 'stored' as const, deploymentId: null, reason: null };
  const final = await outcome.rolledOut.done;
  return { status: final.status === 'running' ? ('live' as const) : ('failed' as const), deploymentId: final.id, reason: final.status === 'running' ? null : (final.reason ?? `deployment ended ${final.status}`) };
}

export const addonRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/apps/:app/addons',
      {
        config: { acts: 'app' },
        schema: {
          summary: "Create an add-on on the app's owner's network and attach it (its URL as a config var, a new release); an SSE stream of progress, then `exit` {code, addon, release}",
          tags: ['addons'],
          params: AppParams,
          body: Type.Object({ type: Type.Union(ADDON_TYPES.map((t) => Type.Literal(t))), name: Type.Optional(AddonName) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) =>
        streamed(deps, req, reply, async (line) => {
          const { addon, outcome } = await createAddon(deps, { app: req.params.app, type: req.body.type, name: req.body.name, log: line });
          return { code: 0, addon, release: await released(outcome) };
        }),
    );

    app.get(
      '/apps/:app/addons',
      { config: { acts: 'app' }, schema: { summary: 'The add-ons attached to an app', tags: ['addons'], params: AppParams, response: { 200: Type.Array(Addon), ...errors } } },
      async (req) => listAddons(deps, visibility(deps, req), appFor(deps, req, req.params.app).app),
    );

    app.post(
      '/apps/:app/addons/:addon',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Attach an add-on of the same owner to the app; waits for the new release',
          tags: ['addons'],
          params: Type.Object({ app: AppParams.properties.app, addon: AddonName }),
          response: { 200: Type.Object({ addon: Addon, release: Release }), ...errors },
        },
      },
      async (req) => {
        const a = getAddon(deps, req.params.addon, visibility(deps, req));
        const release = await released(await attach(deps, a, req.params.app));
        return { addon: await viewAddon(deps, a), release };
      },
    );

    app.delete(
      '/apps/:app/addons/:addon',
      {
        config: { acts: 'app' },
        schema: {
          summary: "Detach an add-on from the app (its config var unset, a new release); the add-on and its data stay",
          tags: ['addons'],
          params: Type.Object({ app: AppParams.properties.app, addon: AddonName }),
          response: { 200: Type.Object({ addon: Addon, release: Release }), ...errors },
        },
      },
      async (req) => {
        const a = getAddon(deps, req.params.addon, visibility(deps, req));
        const release = await released(await detach(deps, a, req.params.app));
        return { addon: await viewAddon(deps, a), release };
      },
    );

    app.get(
      '/addons',
      { schema: { summary: 'The add-ons of the owners the caller belongs to', tags: ['addons'], response: { 200: Type.Array(Addon), ...errors } } },
      async (req) => listAddons(deps, visibility(deps, req)),
    );

    app.get(
      '/addons/:addon',
      { schema: { summary: 'An add-on: type, version, status, attached apps, URL (password masked)', tags: ['addons'], params: Type.Object({ addon: AddonName }), response: { 200: Addon, ...errors } } },
      async (req) => viewAddon(deps, getAddon(deps, req.params.addon, visibility(deps, req))),
    );

    app.delete(
      '/addons/:addon',
      {
        schema: {
          summary: 'Destroy an add-on: its container and its volume with all its data. Refused while attached unless force=true, which detaches it first',
          tags: ['addons'],
          params: Type.Object({ addon: AddonName }),
          querystring: Type.Object({ force: Type.Optional(Type.Boolean()) }),
          response: { 200: Type.Object({ destroyed: Type.String(), detachedFrom: Type.Array(Type.String()) }), ...errors },
        },
      },
      async (req) => {
        const a = getAddon(deps, req.params.addon, visibility(deps, req));
        const { detachedFrom } = await destroyAddon(deps, a, req.query.force === true);
        return { destroyed: a.name, detachedFrom };
      },
    );

    app.post(
      '/addons/:addon/runs',
      {
        schema: {
          summary: "Run the add-on's client (psql or redis-cli) with these arguments in a one-off container on the owner's network; an SSE stream of its output, then `exit` {code}",
          tags: ['addons'],
          params: Type.Object({ addon: AddonName }),
          body: Type.Object({ args: Type.Array(Type.String({ maxLength: 8192 }), { maxItems: 256 }) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) => {
        // Checked before the stream opens, so an unknown add-on is a 404.
        const a = getAddon(deps, req.params.addon, visibility(deps, req));
        return streamed(deps, req, reply, (line, signal) => runClient(deps, a, req.body.args, line, signal));
      },
    );
  };
