// /api/v1/session: the dashboard's login. A session id travels only in an HttpOnly, SameSite
// cookie; the CSRF token in the answer is what the page sends back on every change.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { login, logout, SESSION_COOKIE, SESSION_TTL_MS } from '../../domain/users/sessions.js';
import type { FailureLimiter } from '../auth.js';
import { ErrorBody, Nullable } from '../schemas.js';

const SessionView = Type.Object({ user: Type.String(), role: Type.String(), csrf: Nullable(Type.String()), expiresAt: Nullable(Type.String()) });
const errors = { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody };

export const sessionRoutes =
  (deps: Deps, limiter: FailureLimiter): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/session',
      {
        config: { auth: 'public' },
        schema: {
          summary: 'Log in to the dashboard with a user name and password, or an API token; sets the session cookie',
          tags: ['auth'],
          security: [],
          body: Type.Union([
            Type.Object({ user: Type.String({ minLength: 1, maxLength: 100 }), password: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
            Type.Object({ token: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }),
          ]),
          response: { 200: SessionView, ...errors },
        },
      },
      async (req, reply) => {
        const body = req.body;
        // A password can be guessed, a token cannot: password logins are refused outright
        // once a name has too many failures from an address; tokens are always checked.
        const attempt = async () => {
          const s = await login(deps, body);
          void reply.setCookie(SESSION_COOKIE, s.id, {
            httpOnly: true,
            sameSite: 'strict',
            secure: req.protocol === 'https',
            path: '/',
            maxAge: SESSION_TTL_MS / 1000,
          });
          return { user: s.user.name, role: s.user.role, csrf: s.csrf, expiresAt: s.expiresAt };
        };
        const refusal = 'too many failed logins from this address; try again in a minute';
        return 'token' in body ? limiter.guard(`api:${req.ip}`, attempt, refusal) : limiter.guardGuessable(`login:${req.ip}:${body.user}`, attempt, refusal);
      },
    );

    app.get('/session', { schema: { summary: 'Who is logged in, and the CSRF token of the session', tags: ['auth'], response: { 200: SessionView, ...errors } } }, async (req) => ({
      user: req.principal!.user.name,
      role: req.principal!.user.role,
      csrf: req.session?.csrf ?? null,
      expiresAt: null,
    }));

    app.delete('/session', { config: { viewerMay: true }, schema: { summary: 'Log out: ends the session and clears its cookie', tags: ['auth'], response: { 200: Type.Object({ loggedOut: Type.Boolean() }), ...errors } } }, async (req, reply) => {
      if (req.session) logout(deps, req.session.id);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { loggedOut: req.session !== null };
    });
  };
