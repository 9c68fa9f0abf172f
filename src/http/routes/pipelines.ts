// /api/v1/apps/:app/{git,webhook-secret,previews,pipeline,promote}: an app's git remote and
// deploy branch, its webhook secret, its preview apps, and its place in a pipeline.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { viewApps } from '../../domain/catalog/app-service.js';
import { getApp } from '../../domain/apps/app-ref.js';
import type { Deps } from '../../domain/context.js';
import { gitSettings, ownRepository, setGitSettings } from '../../domain/pipelines/git-remote.js';
import { listPreviews, nextPreviewNumber, requirePreview, upsertPreview } from '../../domain/pipelines/previews.js';
import { promote, setNextStage } from '../../domain/pipelines/promote.js';
import { existingWebhookSecret, webhookSecret } from '../../domain/pipelines/webhooks.js';
import { publicApiUrl } from '../../domain/tls/public-url.js';
import { mayWrite } from '../../domain/users/tokens.js';
import { destroyApp } from '../../domain/catalog/app-service.js';
import { Forbidden, Invalid } from '../../errors.js';
import { appFor, mayUse } from '../access.js';
import { deployAnswer } from '../deploy-answer.js';
import { AppParams, AppView, ErrorBody, Nullable, StartedDeploy, WaitQuery } from '../schemas.js';

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const GitView = Type.Object({
  remote: Type.String({ description: 'add it with: git remote add berth <remote>; the password is an API token' }),
  branch: Type.String({ description: 'pushes and webhook events of this branch deploy' }),
  webhooks: Type.Object({ github: Type.String(), generic: Type.String() }),
  hasWebhookSecret: Type.Boolean(),
  next: Type.Union([Type.String(), Type.Null()], { description: 'the next stage of the pipeline' }),
  forkConfig: Type.Boolean({ description: "whether previews of forks' pull requests get the app's config vars" }),
});

/**
 * The address remotes and hook URLs name: the edge's https URL for the API when TLS is on (the
 * CLI asking may be on the server itself, the remote is for anywhere), else the one the caller reached Berth at.
 */
const publicBase = (deps: Deps, req: FastifyRequest): string => publicApiUrl(deps.config) ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;

export const pipelineRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const gitView = (req: FastifyRequest, ref: string) => gitSettings(deps, getApp(deps, ref), publicBase(deps, req));

    app.get('/apps/:app/git', { config: { acts: 'app' }, schema: { summary: "An app's git remote, deploy branch, webhook URLs and next stage", tags: ['pipelines'], params: AppParams, response: { 200: GitView, ...errors } } }, async (req) =>
      gitView(req, req.params.app),
    );

    app.patch(
      '/apps/:app/git',
      {
        config: { acts: 'app' },
        schema: {
          summary: "Set the branch whose pushes and webhook events deploy the app, and (admins) whether previews of forks' pull requests get the app's config",
          tags: ['pipelines'],
          params: AppParams,
          body: Type.Object(
            {
              branch: Type.Optional(Type.String({ maxLength: 255 })),
              forkConfig: Type.Optional(Type.Boolean({ description: "previews of pull requests from forks get the app's config vars (its secrets); admins only" })),
            },
            { additionalProperties: false },
          ),
          response: { 200: GitView, ...errors },
        },
      },
      async (req) => {
        const user = req.principal!.user;
        const a = setGitSettings(deps, getApp(deps, req.params.app), req.body, { name: user.name, admin: user.role === 'admin' });
        return gitSettings(deps, a, publicBase(deps, req));
      },
    );

    app.get(
      '/apps/:app/webhook-secret',
      {
        config: { acts: 'app' },
        schema: {
          summary: "The app's webhook secret (null while it has none) and webhook URLs; not for viewers",
          tags: ['pipelines'],
          params: AppParams,
          response: { 200: Type.Object({ secret: Nullable(Type.String()), github: Type.String(), generic: Type.String() }), ...errors, 403: ErrorBody },
        },
      },
      async (req) => {
        if (!mayWrite(req.principal!.user.role)) throw Forbidden(`${req.principal!.user.name} is a viewer: secrets are for members and admins`);
        const secret = existingWebhookSecret(deps, getApp(deps, req.params.app));
        return { secret, ...gitView(req, req.params.app).webhooks };
      },
    );

    app.post(
      '/apps/:app/webhook-secret',
      {
        config: { acts: 'app' },
        schema: {
          summary: "The app's webhook secret: made on first call; ?rotate=true replaces it",
          tags: ['pipelines'],
          params: AppParams,
          querystring: Type.Object({ rotate: Type.Optional(Type.Boolean()) }),
          response: { 200: Type.Object({ secret: Type.String(), github: Type.String(), generic: Type.String() }), ...errors },
        },
      },
      async (req) => {
        const secret = webhookSecret(deps, getApp(deps, req.params.app), req.query.rotate ?? false);
        const v = gitView(req, req.params.app);
        return { secret, ...v.webhooks };
      },
    );

    app.get('/apps/:app/previews', { config: { acts: 'app' }, schema: { summary: "The app's preview apps", tags: ['pipelines'], params: AppParams, response: { 200: Type.Array(AppView), ...errors } } }, async (req) =>
      viewApps(deps, listPreviews(deps, getApp(deps, req.params.app))),
    );

    app.post(
      '/apps/:app/previews',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Deploy a preview app <app>-pr-<n> from a ref (of git.url, else of the app\'s own Berth repository), with the app\'s config',
          tags: ['pipelines'],
          params: AppParams,
          querystring: WaitQuery,
          body: Type.Object(
            { ref: Type.String({ maxLength: 255 }), url: Type.Optional(Type.String({ maxLength: 4096 })), number: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })) },
            { additionalProperties: false },
          ),
          response: { 201: StartedDeploy, 202: StartedDeploy, ...errors },
        },
      },
      async (req, reply) => {
        const parent = getApp(deps, req.params.app);
        // Without a URL: the branch pushed to the app's own remote on this server.
        const url = req.body.url ?? ownRepository(deps, parent);
        if (!url) throw Invalid(`give the repository URL: ${parent.name} has no git remote on Berth yet`);
        // The app's own repository is a local path Berth chose; a URL the caller gives is
        // held to the caller's rules (local paths for admins only).
        const localSources = req.body.url === undefined || req.principal?.user.role === 'admin';
        const started = await upsertPreview(deps, parent, { number: req.body.number ?? nextPreviewNumber(deps, parent), source: { kind: 'git', url, ref: req.body.ref }, localSources });
        const { code, body } = await deployAnswer(deps, started, req.query.wait);
        return reply.status(code).send(body);
      },
    );

    app.delete(
      '/apps/:app/previews/:number',
      {
        config: { acts: 'app' },
        schema: {
          summary: 'Destroy a preview app',
          tags: ['pipelines'],
          params: Type.Object({ app: AppParams.properties.app, number: Type.Integer({ minimum: 1 }) }),
          response: { 200: Type.Object({ destroyed: Type.String() }), ...errors },
        },
      },
      async (req) => {
        const p = requirePreview(deps, getApp(deps, req.params.app), req.params.number);
        await destroyApp(deps, `${p.owner}/${p.name}`, { volumes: true });
        return { destroyed: `${p.owner}/${p.name}` };
      },
    );

    app.put(
      '/apps/:app/pipeline',
      {
        config: { acts: 'app' },
        schema: {
          summary: "Set (or with null, clear) the app's next stage: `promote` deploys its image there",
          tags: ['pipelines'],
          params: AppParams,
          body: Type.Object({ next: Type.Union([Type.Null(), Type.String({ maxLength: 200 })]) }, { additionalProperties: false }),
          response: { 200: GitView, ...errors },
        },
      },
      async (req) => {
        // The next stage must be an app the caller may see, like the app itself.
        const next = req.body.next === null ? null : appFor(deps, req, req.body.next).app;
        setNextStage(deps, getApp(deps, req.params.app), next);
        return gitView(req, req.params.app);
      },
    );

    app.post(
      '/apps/:app/promote',
      {
        config: { acts: 'app' },
        schema: {
          summary: "Deploy the app's running image and process types to its next stage, with that stage's config (no build)",
          tags: ['pipelines'],
          params: AppParams,
          querystring: WaitQuery,
          response: { 201: StartedDeploy, 202: StartedDeploy, ...errors },
        },
      },
      async (req, reply) => {
        const started = await promote(deps, getApp(deps, req.params.app), (owner) => mayUse(deps, req, owner));
        const { code, body } = await deployAnswer(deps, started, req.query.wait);
        return reply.status(code).send(body);
      },
    );
  };
