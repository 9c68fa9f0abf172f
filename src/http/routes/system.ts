// Health of the control plane itself, and of the proxy in front of the apps.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { VERSION } from '../../version.js';

const CaddyState = Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('restarting')]);
const Health = Type.Object({
  ok: Type.Boolean({ description: 'false while either Caddy is down or restarting (the answer is then 503)' }),
  version: Type.String(),
  proxy: Type.Object({ edge: CaddyState, router: CaddyState }, { description: "the edge Caddy (public ports) and Berth's router it asks for upstreams, as last checked (every 0.5 s)" }),
});

export const systemRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/v1/health',
      { config: { auth: 'public' }, schema: { summary: 'Is the control plane up, and the proxy serving', tags: ['system'], response: { 200: Health, 503: Health } } },
      async (_req, reply) => {
        // Without a watch (before it starts) nothing has seen the proxy fail.
        const proxy = deps.proxyStatus?.() ?? { edge: 'up' as const, router: 'up' as const };
        const ok = proxy.edge === 'up' && proxy.router === 'up';
        return reply.status(ok ? 200 : 503).send({ ok, version: VERSION, proxy });
      },
    );
  };
