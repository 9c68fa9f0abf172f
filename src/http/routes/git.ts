// /git/<owner>/<app>.git: each app's git remote over smart HTTP (`git http-backend`). Git
// sends an API token as the HTTP Basic password (any user name); fetching needs read access
// to the app, pushing write access. The repository's hook deploys the push (app-repos.ts).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../domain/context.js';
import { ensureAppRepo, gitRoot, selfUrl } from '../../domain/pipelines/app-repos.js';
import { authenticate, mayWrite } from '../../domain/users/tokens.js';
import { Forbidden } from '../../errors.js';
import { runHttpBackend } from '../../infra/git/http-backend.js';
import { appFor } from '../access.js';
import { announcedOver, discardRest } from '../body-limit.js';
import type { FailureLimiter } from '../auth.js';

const PATH_RE = /^\/git\/([a-z][a-z0-9-]{0,29})\/([a-z][a-z0-9-]{0,29})\.git(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD))$/;

function basicToken(req: FastifyRequest): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString();
  return decoded.slice(decoded.indexOf(':') + 1) || undefined;
}

export const gitRoutes =
  (deps: Deps, limiter: FailureLimiter): FastifyPluginAsync =>
  async (app) => {
    // Git's request bodies stream straight into git http-backend.
    app.addContentTypeParser(['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'], (_req, payload, done) => done(null, payload));
    const berthCommand = [process.execPath, process.argv[1] ?? 'berth'];

    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const url = new URL(req.url, 'http://berth');
      const m = PATH_RE.exec(url.pathname);
      if (!m) return reply.status(404).send({ error: { code: 'not_found', message: 'no such repository path' } });
      const [, owner, name, rest] = m;
      const pushing = rest === '/git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack';
      const token = basicToken(req);
      if (!token) {
        // Git asks its credential helper (or the user) and tries again.
        return reply.status(401).header('WWW-Authenticate', 'Basic realm="Berth", charset="UTF-8"').send({ error: { code: 'unauthorized', message: 'give an API token as the password' } });
      }
      const principal = await limiter.guard(`api:${req.ip}`, () => authenticate(deps, token));
      req.principal = principal;
      const { app: target, ref } = appFor(deps, req, `${owner}/${name}`);
      if (pushing && !mayWrite(principal.user.role)) throw Forbidden(`${principal.user.name} is a viewer and may not push`);
      // Every git operation starts with info/refs: the repository and its hook are made ready
      // there once, not again for the request that follows.
      if (rest === '/info/refs') await ensureAppRepo(deps, target, berthCommand);
      const pushRefusal = `push refused: it is over ${deps.config.limits.pushBytes / 1024 / 1024} MB, the most this server takes (an admin can raise BERTH_MAX_PUSH_MB)`;
      if (pushing && announcedOver(req.headers, deps.config.limits.pushBytes)) {
        discardRest(req.raw, deps.config.limits.pushBytes);
        return reply.status(413).send({ error: { code: 'too_large', message: pushRefusal } });
      }
      if (pushing) deps.db.audit.add({ user: principal.user.name, action: `PUSH /git/${ref}.git`, app: ref, status: 200 });
      reply.hijack();
      await runHttpBackend(
        {
          projectRoot: gitRoot(deps),
          pathInfo: `/${owner}/${name}.git${rest}`,
          method: req.method,
          query: url.search.slice(1),
          contentType: req.headers['content-type'],
          contentEncoding: req.headers['content-encoding'],
          gitProtocol: req.headers['git-protocol'] as string | undefined,
          remoteUser: principal.user.name,
          remoteAddr: req.ip,
          // What the pre-receive hook needs to deploy as the pusher.
          env: { BERTH_URL: selfUrl(deps), BERTH_TOKEN: token, BERTH_APP: ref, BERTH_BRANCH: target.deployBranch },
          ...(pushing ? { limit: { maxBodyBytes: deps.config.limits.pushBytes, refusal: pushRefusal } } : {}),
        },
        req.raw,
        reply.raw,
      );
    };
    app.get('/git/*', { config: { auth: 'self' }, schema: { hide: true } }, handle);
    app.post('/git/*', { config: { auth: 'self' }, schema: { hide: true } }, handle);
  };
