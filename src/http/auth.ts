// Authentication for the API: every request under /api but the public ones carries a bearer
// token or the dashboard's session cookie (whose changes must carry its CSRF token); the caller
// becomes `req.principal`. Failed attempts are rate-limited per client address, and viewers
// may only read. The dashboard's static files outside /api are public: they hold no data.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../domain/context.js';
import { checkCsrf, SESSION_COOKIE, sessionPrincipal } from '../domain/users/sessions.js';
import { authenticate, mayWrite, type Principal } from '../domain/users/tokens.js';
import { Forbidden, RateLimited, Unauthorized, isBerthError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the caller came with a session cookie rather than a token. */
    session: { id: number; csrf: string } | null;
  }
}

const PUBLIC = new Set(['GET /api/v1/health', 'POST /api/v1/session']);
const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;

/** Failed authentications per client address in a sliding minute. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  blocked(key: string, now = Date.now()): boolean {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    this.failures.set(key, recent);
    return recent.length >= MAX_FAILURES;
  }

  /**
   * Runs a login attempt from `key`: refused while the address is blocked, and counted as a
   * failure when it ends Unauthorized.
   */
  async guard<T>(key: string, attempt: () => T | Promise<T>, refusal = 'too many failed logins from this address; try again in a minute'): Promise<T> {
    if (this.blocked(key)) throw RateLimited(refusal);
    try {
      return await attempt();
    } catch (e) {
      if (isBerthError(e) && e.code === 'unauthorized') this.fail(key);
      throw e;
    }
  }

  fail(key: string, now = Date.now()): void {
    const list = this.failures.get(key) ?? [];
    list.push(now);
    this.failures.set(key, list);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  if (!m) throw Unauthorized('the Authorization header must be "Bearer <token>"');
  return m[1];
}

/** Installs authentication; returns the failure limiter the login route shares. */
export function installAuth(app: FastifyInstance, deps: Deps): FailureLimiter {
  const limiter = new FailureLimiter();
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    const route = `${req.method} ${path}`;
    if (!path.startsWith('/api/') || PUBLIC.has(route) || req.method === 'OPTIONS') return;
    if (limiter.blocked(req.ip)) throw RateLimited('too many failed logins from this address; try again in a minute');
    const cookie = req.cookies[SESSION_COOKIE];
    try {
      if (!req.headers.authorization && cookie) {
        const s = sessionPrincipal(deps, cookie);
        req.principal = { user: s.user, tokenId: s.tokenId };
        req.session = { id: s.sessionId, csrf: s.csrf };
      } else {
        req.principal = authenticate(deps, bearer(req));
      }
    } catch (e) {
      if (isBerthError(e) && e.code === 'unauthorized' && req.headers.authorization) limiter.fail(req.ip);
      throw e;
    }
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    // A cookie is sent by the browser on its own; the CSRF token only by Berth's own pages.
    if (!readOnly && req.session) checkCsrf(req.session.csrf, headerValue(req.headers['x-csrf-token']));
    // Viewers still manage what is their own: tokens, their session, their password.
    const own = route.startsWith(`${req.method} /api/v1/tokens`) || route === 'DELETE /api/v1/session' || route === `PUT /api/v1/users/${req.principal.user.name}/password`;
    if (!readOnly && !own && !mayWrite(req.principal.user.role)) throw Forbidden(`${req.principal.user.name} is a viewer and may only read`);
  });
  // The audit log: every change attempted by an authenticated caller, with its outcome. Only
  // the method and route are kept: bodies (config values, tokens) never are.
  app.addHook('onResponse', async (req, reply) => {
    if (!req.principal || req.method === 'GET' || req.method === 'HEAD') return;
    const route = req.routeOptions.url ?? req.url.split('?')[0]!;
    const appName = (req.params as { app?: unknown } | undefined)?.app;
    deps.db.audit.add({ user: req.principal.user.name, action: `${req.method} ${route}`, app: typeof appName === 'string' ? appName.slice(0, 100) : null, status: reply.statusCode });
  });
  return limiter;
}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
