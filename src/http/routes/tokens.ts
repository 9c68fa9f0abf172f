// API tokens of the caller (all tokens for admins), who the caller is, and the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { readAudit } from '../../domain/audit/audit-log.js';
import type { Deps } from '../../domain/context.js';
import { createToken, listTokens, revokeToken } from '../../domain/users/tokens.js';
import { Forbidden } from '../../errors.js';
import { appFor } from '../access.js';
import { ErrorBody, IdParams, Nullable } from '../schemas.js';

const TokenView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  user: Type.String(),
  prefix: Type.String(),
  expiresAt: Nullable(Type.String()),
  lastUsedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  createdAt: Type.String(),
});
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const tokenRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/whoami',
      { schema: { summary: 'The caller', tags: ['auth'], response: { 200: Type.Object({ user: Type.String(), role: Type.String() }), ...errors } } },
      async (req) => ({ user: req.principal!.user.name, role: req.principal!.user.role }),
    );

    app.get('/tokens', { schema: { summary: "The caller's tokens (every token for admins); never the secret", tags: ['auth'], response: { 200: Type.Array(TokenView), ...errors } } }, async (req) =>
      listTokens(deps, req.principal!),
    );

    app.post(
      '/tokens',
      {
        config: { viewerMay: true },
        schema: {
          summary: 'Create a token for the caller; the secret is in this answer only',
          tags: ['auth'],
          body: Type.Object(
            { name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 ._-]+$' }), expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ token: Type.String(), info: TokenView }), ...errors },
        },
      },
      async (req, reply) => {
        const { token, view } = createToken(deps, req.principal!, req.body);
        return reply.status(201).send({ token, info: view });
      },
    );

    app.get(
      '/audit',
      {
        schema: {
          summary: 'The audit log, newest first: who changed what (admins see all; others the apps they name)',
          tags: ['auth'],
          querystring: Type.Object({ app: Type.Optional(Type.String({ maxLength: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
          response: { 200: Type.Array(Type.Object({ at: Type.String(), user: Type.String(), action: Type.String(), app: Type.Union([Type.String(), Type.Null()]), status: Type.Integer() })), ...errors },
        },
      },
      async (req) => {
        if (req.principal!.user.role !== 'admin' && !req.query.app) throw Forbidden('only admins read the whole audit log; name an app with ?app=');
        // Entries name apps as owner/name; a destroyed app's entries stay findable by that name.
        let app = req.query.app;
        if (app !== undefined) {
          try {
            app = appFor(deps, req, app).ref;
          } catch (e) {
            if (req.principal!.user.role !== 'admin' || !app.includes('/')) throw e;
          }
        }
        return readAudit(deps, { app, limit: req.query.limit ?? 100 });
      },
    );

    app.delete(
      '/tokens/:id',
      { config: { viewerMay: true }, schema: { summary: 'Revoke a token, at once', tags: ['auth'], params: IdParams, response: { 200: Type.Object({ revoked: Type.Integer() }), ...errors } } },
      async (req) => {
        revokeToken(deps, req.principal!, req.params.id);
        return { revoked: req.params.id };
      },
    );
  };
