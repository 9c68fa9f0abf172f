// Health of the control plane itself.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { VERSION } from '../../version.js';

export const systemRoutes =
  (_deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/api/v1/health',
      { config: { auth: 'public' }, schema: { summary: 'Is the control plane up', tags: ['system'], response: { 200: Type.Object({ ok: Type.Boolean(), version: Type.String() }) } } },
      async () => ({ ok: true, version: VERSION }),
    );
  };
