// /hooks/github/<owner>/<app> and /hooks/generic/<owner>/<app>: webhooks from forges and CI.
// They carry no API token: GitHub's are signed with the app's webhook secret, the generic
// hook presents the secret as a bearer token. Bodies are read raw, for the signature.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { getApp } from '../../domain/apps/app-ref.js';
import type { Deps } from '../../domain/context.js';
import { genericDelivery, githubDelivery, type HookOutcome } from '../../domain/pipelines/webhooks.js';
import { Invalid } from '../../errors.js';
import type { FailureLimiter } from '../auth.js';

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export const hookRoutes =
  (deps: Deps, limiter: FailureLimiter): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));

    // A bad signature or secret counts against that address for this app's hook only, so bad
    // deliveries to one app never hold up a forge's deliveries to the others.
    const guarded = (req: FastifyRequest, fn: () => Promise<HookOutcome>) => {
      const p = req.params as { owner?: string; app: string };
      return limiter.guard(`hook:${p.owner ?? ''}/${p.app}:${req.ip}`, fn, 'too many failed webhook deliveries from this address; try again in a minute');
    };
    const target = (p: { owner?: string; app: string }) => getApp(deps, p.owner ? `${p.owner}/${p.app}` : p.app);
    const rawBody = (req: FastifyRequest): Buffer => {
      if (!Buffer.isBuffer(req.body)) throw Invalid('send the payload as application/json');
      return req.body;
    };

    for (const path of ['/hooks/github/:owner/:app', '/hooks/github/:app']) {
      app.post(path, { config: { auth: 'self' }, schema: { hide: true } }, async (req) =>
        guarded(req, () =>
          githubDelivery(deps, target(req.params as { owner?: string; app: string }), {
            event: header(req, 'x-github-event'),
            deliveryId: header(req, 'x-github-delivery'),
            signature: header(req, 'x-hub-signature-256'),
            body: rawBody(req),
          }),
        ),
      );
    }
    for (const path of ['/hooks/generic/:owner/:app', '/hooks/generic/:app']) {
      app.post(path, { config: { auth: 'self' }, schema: { hide: true } }, async (req) =>
        guarded(req, async () => {
          const token = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')?.[1];
          let body: { git?: { url: string; ref?: string }; image?: string };
          try {
            body = JSON.parse(rawBody(req).toString('utf8')) as typeof body;
          } catch {
            throw Invalid('the body is not JSON');
          }
          if (typeof body !== 'object' || body === null) throw Invalid('the body must be a JSON object');
          return genericDelivery(deps, target(req.params as { owner?: string; app: string }), { token, body });
        }),
      );
    }
  };
