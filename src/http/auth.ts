// Authentication for the API, decided on the route Fastify matched (never on the raw URL, whose
// spelling the router decodes): every route needs a bearer token or the dashboard's session
// cookie (whose changes must carry its CSRF token) unless it declares `config.auth` 'public'
// or 'self' (it checks its own credentials: git remotes, webhooks). Viewers may only read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../domain/context.js';
import { checkCsrf, SESSION_COOKIE, sessionPrincipal } from '../domain/users/sessions.js';
import { authenticate, mayWrite, type Principal } from '../domain/users/tokens.js';
import { auditAction } from '../domain/audit/describe-action.js';
import { Forbidden, RateLimited, Unauthorized, isBerthError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call: a user (the default), anyone ('public'), or whoever the handler itself accepts ('self'). */
    auth?: 'public' | 'self';
    /** A change a viewer may make too: their own tokens, session and password. */
    viewerMay?: boolean;
    /**
     * What the route acts on: the app its :app names, or the deployment or build its :id names.
     * The caller must be allowed to see that app (access.ts); a route naming one must declare it.
     */
    acts?: 'app' | 'deployment' | 'build';
    /** With acts 'app': ?create=true may name an app that does not exist yet (deploys create it). */
    createsApp?: boolean;
    /** With acts 'app': ?volumes=true may name an app already destroyed (the volumes it left are removed). */
    goneApp?: boolean;
    /** The WWW-Authenticate challenge the error handler sends with this route's 401s (git's Basic auth). */
    challenge?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the caller came with a session cookie rather than a token. */
    session: { id: number; csrf: string } | null;
  }
}

const MAX_FAILURES = 10;
const WINDOW_MS = 60_000;

/**
 * Failed authentications per key (a client address, or an app's webhook and an address) in a
 * sliding minute. It never refuses valid credentials: a blocked key still has its credentials
 * checked, and only a failure is answered 429, so a flood of bad tokens from one proxy address
 * cannot lock out the good ones behind it.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  blocked(key: string, now = Date.now()): boolean {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    return recent.length >= MAX_FAILURES;
  }

  /**
   * Runs an attempt to authenticate from `key`. Success passes whatever came before; an
   * Unauthorized counts as a failure and becomes 429 once the key has too many.
   */
  async guard<T>(key: string, attempt: () => T | Promise<T>, refusal = 'too many failed logins from this address; try again in a minute'): Promise<T> {
    try {
      return await attempt();
    } catch (e) {
      if (!isBerthError(e) || e.code !== 'unauthorized') throw e;
      const wasBlocked = this.blocked(key);
      this.fail(key);
      throw wasBlocked ? RateLimited(refusal) : e;
    }
  }

  /**
   * For password logins, where checking while blocked would tell a guesser which password is
   * right: refused before checking once `key` has too many failures.
   */
  async guardGuessable<T>(key: string, attempt: () => T | Promise<T>, refusal: string): Promise<T> {
    if (this.blocked(key)) throw RateLimited(refusal);
    return this.guard(key, attempt, refusal);
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

/** Whether the matched route needs a user: every route does unless it says otherwise. */
export const needsUser = (req: FastifyRequest): boolean => req.routeOptions.url !== undefined && req.routeOptions.config.auth === undefined;

/**
 * Who the request's credentials (token, else session cookie) belong to now. Throws
 * Unauthorized when they are missing, wrong, revoked or expired. Long streams call it again.
 */
export function principalOf(deps: Deps, req: FastifyRequest): { principal: Principal; session: { id: number; csrf: string } | null } {
  const cookie = req.cookies[SESSION_COOKIE];
  if (!req.headers.authorization && cookie) {
    const s = sessionPrincipal(deps, cookie);
    return { principal: { user: s.user, tokenId: s.tokenId }, session: { id: s.sessionId, csrf: s.csrf } };
  }
  return { principal: authenticate(deps, bearer(req)), session: null };
}

/** Installs authentication; returns the failure limiter the login routes share. */
export function installAuth(app: FastifyInstance, deps: Deps): FailureLimiter {
  const limiter = new FailureLimiter();
  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.addHook('onRequest', async (req) => {
    // No route matched: the not-found handler answers, with nothing but the error.
    if (!needsUser(req)) return;
    const attempt = () => principalOf(deps, req);
    // Only presented credentials count as failures; a request with none is just refused.
    const { principal, session } = req.headers.authorization ? await limiter.guard(`api:${req.ip}`, attempt) : attempt();
    req.principal = principal;
    req.session = session;
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    // A cookie is sent by the browser on its own; the CSRF token only by Berth's own pages.
    if (!readOnly && req.session) checkCsrf(req.session.csrf, headerValue(req.headers['x-csrf-token']));
    if (!readOnly && !req.routeOptions.config.viewerMay && !mayWrite(principal.user.role)) throw Forbidden(`${principal.user.name} is a viewer and may only read`);
  });
  // The audit log: every change attempted by an authenticated caller, with its outcome. Only
  // the method and the concrete path are kept (not the route template: which token, which
  // user); bodies (config values, tokens) never are. `berth audit` shows them in words.
  app.addHook('onResponse', async (req, reply) => {
    if (!req.principal || req.method === 'GET' || req.method === 'HEAD') return;
    const appName = (req.params as { app?: unknown } | undefined)?.app;
    deps.db.audit.add({ user: req.principal.user.name, action: auditAction(req.method, req.url), app: typeof appName === 'string' ? appName.slice(0, 100) : null, status: reply.statusCode });
  });
  return limiter;
}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
