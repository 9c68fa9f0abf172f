// Starting deploys (from git, an image, or an uploaded tarball) and reading their outcome.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../../domain/context.js';
import { startDeploy, type DeploySource } from '../../domain/deploys/deploy-service.js';
import { showDeployment } from '../../domain/deploys/deployment-view.js';
import { deployAnswer } from '../deploy-answer.js';
import { Invalid, TooLarge } from '../../errors.js';
import { announcedOver, byteLimit, discardRest } from '../body-limit.js';
import { AppParams, DeployBody, DeployQuery, Deployment, ErrorBody, IdParams, StartedDeploy as StartedSchema } from '../schemas.js';

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody };

export const deployRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/apps/:app/deploys',
      {
        config: { acts: 'app', createsApp: true },
        schema: {
          summary: 'Deploy from a git URL and ref, or from an image on this host',
          tags: ['deploys'],
          params: AppParams,
          querystring: DeployQuery,
          body: DeployBody,
          response: { 201: StartedSchema, 202: StartedSchema, ...errors },
        },
      },
      async (req, reply) => {
        const { git, image } = req.body;
        if ((git ? 1 : 0) + (image ? 1 : 0) !== 1) throw Invalid('give exactly one source: git {url, ref} or image');
        const source: DeploySource = git ? { kind: 'git', url: git.url, ref: git.ref ?? 'main' } : { kind: 'image', image: image! };
        const started = await startDeploy(deps, { appName: req.params.app, create: req.query.create ? { owner: req.query.owner } : undefined, source, localSources: req.principal?.user.role === 'admin' });
        const { code, body } = await deployAnswer(deps, started, req.query.wait);
        return reply.status(code).send(body);
      },
    );

    // The tarball arrives as the raw body; it is streamed to disk, never held in memory.
    app.addContentTypeParser(['application/gzip', 'application/x-gzip', 'application/octet-stream'], (_req, payload, done) => done(null, payload));

    // The body is counted as it streams (uploadTooLarge); bodyLimit only keeps Fastify from refusing first.
    const maxUpload = deps.config.limits.uploadBytes;
    const uploadTooLarge = () =>
      TooLarge(`the upload is over ${maxUpload / 1024 / 1024} MB, the most this server takes`, { hint: 'leave build output and dependencies out (.gitignore/.dockerignore), or an admin can raise BERTH_MAX_UPLOAD_MB' });
    app.post(
      '/apps/:app/deploys/upload',
      {
        config: { acts: 'app', createsApp: true },
        bodyLimit: Number.MAX_SAFE_INTEGER,
        schema: {
          summary: 'Deploy an uploaded source tarball (.tar.gz as the request body)',
          tags: ['deploys'],
          params: AppParams,
          querystring: Type.Object({ ...DeployQuery.properties, source: Type.Optional(Type.String({ maxLength: 200, pattern: '^[\\x20-\\x7e]*$', description: 'what the tarball is, for the build record (e.g. "git push <sha>")' })) }),
          consumes: ['application/gzip'],
          response: { 201: StartedSchema, 202: StartedSchema, ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body as Readable | undefined;
        if (!body || typeof (body).pipe !== 'function') throw Invalid('send the source as a .tar.gz body with Content-Type: application/gzip');
        if (announcedOver(req.headers, maxUpload)) {
          // Refused before a byte is stored; what the client still sends is dropped (up to a bound).
          discardRest(req.raw, maxUpload);
          throw uploadTooLarge();
        }
        const dir = join(deps.config.dataDir, 'uploads');
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = join(dir, `tmp-${randomBytes(8).toString('hex')}.tar.gz`);
        try {
          // The request is piped, not put in the pipeline: a failed pipeline destroys its streams,
          // and destroying the request would take the socket the 413 answer goes out on.
          const counted = byteLimit(maxUpload, uploadTooLarge);
          body.on('error', (e) => counted.destroy(e));
          body.pipe(counted);
          try {
            await pipeline(counted, createWriteStream(tmp, { mode: 0o600 }));
          } catch (e) {
            body.unpipe(counted);
            discardRest(req.raw, maxUpload);
            throw e;
          }
          const started = await startDeploy(deps, {
            appName: req.params.app,
            create: req.query.create ? { owner: req.query.owner } : undefined,
            source: { kind: 'upload', file: tmp, ...(req.query.source ? { label: req.query.source } : {}) },
            localSources: req.principal?.user.role === 'admin',
          });
          const { code, body: out } = await deployAnswer(deps, started, req.query.wait);
          return await reply.status(code).send(out);
        } finally {
          await rm(tmp, { force: true });
        }
      },
    );

    app.get(
      '/deployments/:id',
      { config: { acts: 'deployment' }, schema: { summary: 'Show a deployment', tags: ['deploys'], params: IdParams, response: { 200: Deployment, 404: ErrorBody } } },
      async (req) => showDeployment(deps, req.params.id),
    );
  };
