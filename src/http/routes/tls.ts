// /api/v1/tls/ca: the root of Berth's internal CA, for users to trust (`berth tls ca`). Public:
// a root certificate is no secret, and a laptop that does not trust the server yet must be able to read it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { internalCaRoot } from '../../domain/tls/internal-ca.js';
import { ErrorBody, HostCertificateSchema } from '../schemas.js';
import { visibleCertificateStatus } from '../../domain/tls/tls-status.js';
import { visibility } from '../access.js';

const InternalCa = Type.Object({
  pem: Type.String({ description: 'the root certificate, PEM' }),
  subject: Type.String(),
  notAfter: Type.String({ description: 'ISO 8601' }),
  fingerprint256: Type.String({ description: 'SHA-256 fingerprint, colon-separated hex' }),
});

export const tlsRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/tls/ca',
      { config: { auth: 'public' }, schema: { summary: "The root certificate of Berth's internal CA (BERTH_TLS=internal); 404 otherwise or before the edge made it", tags: ['system'], response: { 200: InternalCa, 404: ErrorBody } } },
      async () => internalCaRoot(deps.config),
    );
    app.get(
      '/tls/status',
      {
        schema: {
          summary: 'Every host of the apps the caller may see (and, for admins, Berth own API host) with its certificate: issuer, expiry, the last ACME error and when the next try may be',
          tags: ['system'],
          response: { 200: Type.Array(HostCertificateSchema) },
        },
      },
      async (req) => visibleCertificateStatus(deps, visibility(deps, req)),
    );
  };
