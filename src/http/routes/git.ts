// /git/<owner>/<app>.git: each app's git remote over smart HTTP (`git http-backend`). Git
// sends an API token as the HTTP Basic password (any user name); fetching needs read access
// to the app, pushing write access. The repository's hook deploys the push (app-repos.ts).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../domain/context.js';
import { isPush, prepareGitRequest, pushTooLarge, serveGitRequest, type GitService } from '../../domain/pipelines/git-remote.js';
import { authenticate, mayWrite } from '../../domain/users/tokens.js';
import { Forbidden, NotFound, Unauthorized } from '../../errors.js';
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

    // Refusals are thrown: the HTTP error handler answers them (a 401 with the Basic challenge
    // this route declares, so git asks its credential helper or the user and tries again).
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const url = new URL(req.url, 'http://berth');
      const m = PATH_RE.exec(url.pathname);
      if (!m) throw NotFound('no such repository path');
      const [, owner, name] = m;
      const service = m[3] as GitService;
      const token = basicToken(req);
      if (!token) throw Unauthorized('give an API token as the password');
      const principal = await limiter.guard(`api:${req.ip}`, () => authenticate(deps, token));
      req.principal = principal;
      const target = appFor(deps, req, `${owner}/${name}`).app;
      const git = {
        app: target,
        service,
        query: url.search.slice(1),
        method: req.method,
        contentType: req.headers['content-type'],
        contentEncoding: req.headers['content-encoding'],
        gitProtocol: req.headers['git-protocol'] as string | undefined,
        user: principal.user.name,
        token,
        remoteAddr: req.ip,
      };
      const pushing = isPush(git);
      if (pushing && !mayWrite(principal.user.role)) throw Forbidden(`${principal.user.name} is a viewer and may not push`);
      if (pushing && announcedOver(req.headers, deps.config.limits.pushBytes)) {
        // Read and drop the rest, so that git gets to read the refusal.
        discardRest(req.raw, deps.config.limits.pushBytes);
        throw pushTooLarge(deps);
      }
      await prepareGitRequest(deps, git);
      // From here git's own answer (its status, headers and body) streams back as it comes.
      reply.hijack();
      await serveGitRequest(deps, git, req.raw, reply.raw);
    };
    const config = { auth: 'self', challenge: 'Basic realm="Berth", charset="UTF-8"' } as const;
    app.get('/git/*', { config, schema: { hide: true } }, handle);
    app.post('/git/*', { config, schema: { hide: true } }, handle);
  };
