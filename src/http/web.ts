// Serves the dashboard: the built single-page app (dist/web, made by scripts/build-web.mjs) at
// `/` and its files under `/assets/`. Every asset ships with Berth; nothing comes from a CDN.
// The pages hold no data: everything they show comes from the API, behind authentication.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

export async function installWeb(root: FastifyInstance): Promise<void> {
  await root.register(async (app) => {
    // The pages and their files are public: they hold no data. (This hook sees only the
    // routes of this plugin.)
    app.addHook('onRoute', (route) => {
      route.config = { ...route.config, auth: 'public' };
    });
    await pages(app);
  });
}

async function pages(app: FastifyInstance): Promise<void> {
  if (!existsSync(`${WEB_DIR}index.html`)) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain').send('The dashboard is not built: run `npm run build`.\n'));
    return;
  }
  await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/assets/', index: false, immutable: false, maxAge: 0 });
  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
      .header('X-Content-Type-Options', 'nosniff')
      .header('Referrer-Policy', 'same-origin')
      .sendFile('index.html'),
  );
}
