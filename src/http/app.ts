// Builds the HTTP API: Fastify with TypeBox schemas, the generated OpenAPI document, and the
// one error handler that turns errors into `{ error: { code, message, hint } }` replies.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Deps } from '../domain/context.js';
import { isBerthError } from '../errors.js';
import { VERSION } from '../version.js';
import { appRoutes } from './routes/apps.js';
import { deployRoutes } from './routes/deploys.js';
import { logRoutes } from './routes/logs.js';
import { processRoutes } from './routes/processes.js';
import { releaseRoutes } from './routes/releases.js';
import { systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/tokens.js';
import { ownerRoutes } from './routes/owners.js';
import { sessionRoutes } from './routes/session.js';
import { userRoutes } from './routes/users.js';
import { liveRoutes } from './routes/live.js';
import { gitRoutes } from './routes/git.js';
import { hookRoutes } from './routes/hooks.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { tlsRoutes } from './routes/tls.js';
import { cronRoutes } from './routes/cron.js';
import { notifyRoutes } from './routes/notify.js';
import { addonRoutes } from './routes/addons.js';
import { backupRoutes } from './routes/backups.js';
import { installWeb } from './web.js';
import { installAuth } from './auth.js';
import { installAccess } from './access.js';
import { errorInfo } from './error-body.js';

/** Whether a peer's X-Forwarded-For/-Proto are believed: the edge's (a unix-socket peer has no address) and the named proxies'. */
export function trustedPeer(trusted: string[]): (address: string | undefined, hop: number) => boolean {
  const list = new BlockList();
  for (const t of trusted) {
    const [addr = '', bits] = t.split('/');
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return (address, hop) => {
    if (!address) return hop === 0;
    const plain = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
    return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}

export async function buildHttpApp(deps: Deps, logger: FastifyBaseLogger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: 1024 * 1024,
    disableRequestLogging: false,
    // Only Berth's own edge (a peer on the unix socket it alone dials: no address) and the
    // proxies the operator names are believed about the client's address and scheme.
    trustProxy: trustedPeer(deps.config.trustedProxies),
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      info: { title: 'Berth API', version: VERSION, description: 'Deploy source to routed, health-checked containers.' },
      servers: [{ url: '/' }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, session: { type: 'apiKey', in: 'cookie', name: 'berth_session' } } },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(cookie);
  const loginLimiter = installAuth(app, deps);
  installAccess(app, deps);
  // API answers are the state of now, some of it secret (revealed config): no cache keeps them,
  // and a browser does not hold a GET back behind an earlier one to the same URL (its cache lock).
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/api/') && !reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (isBerthError(err)) {
      const challenge = req.routeOptions.config.challenge;
      if (err.status === 401 && challenge) reply.header('WWW-Authenticate', challenge);
      return reply.status(err.status).send({ error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
    }
    if (err.validation) {
      const where = err.validationContext ?? 'request';
      return reply.status(400).send({ error: { code: 'invalid', message: `${where}: ${err.message.replace(/^(body|querystring|params)\/?/, '')}` } });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'too_large' : 'invalid', message: err.message } });
    }
    return reply.status(500).send({ error: errorInfo(req, err) });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` } }),
  );

  await app.register(systemRoutes(deps));
  await app.register(appRoutes(deps), { prefix: '/api/v1' });
  await app.register(deployRoutes(deps), { prefix: '/api/v1' });
  await app.register(logRoutes(deps), { prefix: '/api/v1' });
  await app.register(releaseRoutes(deps), { prefix: '/api/v1' });
  await app.register(processRoutes(deps), { prefix: '/api/v1' });
  await app.register(tokenRoutes(deps), { prefix: '/api/v1' });
  await app.register(userRoutes(deps), { prefix: '/api/v1' });
  await app.register(ownerRoutes(deps), { prefix: '/api/v1' });
  await app.register(sessionRoutes(deps, loginLimiter), { prefix: '/api/v1' });
  await app.register(liveRoutes(deps), { prefix: '/api/v1' });
  await app.register(pipelineRoutes(deps), { prefix: '/api/v1' });
  await app.register(tlsRoutes(deps), { prefix: '/api/v1' });
  await app.register(cronRoutes(deps), { prefix: '/api/v1' });
  await app.register(notifyRoutes(deps), { prefix: '/api/v1' });
  await app.register(addonRoutes(deps), { prefix: '/api/v1' });
  await app.register(backupRoutes(deps), { prefix: '/api/v1' });
  await app.register(gitRoutes(deps, loginLimiter));
  await app.register(hookRoutes(deps, loginLimiter));
  await installWeb(app);
  app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
