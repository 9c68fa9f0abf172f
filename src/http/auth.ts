// Authentication for the API: every request but the public ones carries a bearer token; the
// caller becomes `req.principal`. Failed attempts are rate-limited per client address, and
// viewers may only read.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../domain/context.js';
import { authenticate, mayWrite, type Principal } from '../domain/users/tokens.js';
import { Forbidden, RateLimited, Unauthorized, isBerthError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const PUBLIC = new Set(['GET /api/v1/health', 'GET /openapi.json']);
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

export function installAuth(app: FastifyInstance, deps: Deps): void {
  const limiter = new FailureLimiter();
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const route = `${req.method} ${req.url.split('?')[0]}`;
    if (PUBLIC.has(route) || req.method === 'OPTIONS') return;
    if (limiter.blocked(req.ip)) throw RateLimited('too many failed logins from this address; try again in a minute');
    try {
      req.principal = authenticate(deps, bearer(req));
    } catch (e) {
      if (isBerthError(e) && e.code === 'unauthorized' && req.headers.authorization) limiter.fail(req.ip);
      throw e;
    }
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    const ownTokens = route.startsWith(`${req.method} /api/v1/tokens`);
    if (!readOnly && !ownTokens && !mayWrite(req.principal.user.role)) throw Forbidden(`${req.principal.user.name} is a viewer and may only read`);
  });
  // The audit log: every change attempted by an authenticated caller, with its outcome. Only
  // the method and route are kept: bodies (config values, tokens) never are.
  app.addHook('onResponse', async (req, reply) => {
    if (!req.principal || req.method === 'GET' || req.method === 'HEAD') return;
    const route = req.routeOptions.url ?? req.url.split('?')[0]!;
    const appName = (req.params as { app?: unknown } | undefined)?.app;
    deps.db.audit.add({ user: req.principal.user.name, action: `${req.method} ${route}`, app: typeof appName === 'string' ? appName.slice(0, 100) : null, status: reply.statusCode });
  });
}
