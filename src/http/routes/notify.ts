// /api/v1/owners/:owner/notify: an owner's notification endpoints (generic and Slack webhooks).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { addEndpoint, listEndpoints, removeEndpoint, testEndpoint } from '../../domain/notify/notify-service.js';
import { ErrorBody, Nullable } from '../schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const Kind = Type.Union([Type.Literal('webhook'), Type.Literal('slack')]);
const EndpointView = Type.Object({
  id: Type.Integer(),
  owner: Type.String(),
  kind: Kind,
  target: Type.String({ description: "the URL's scheme and host (its path and query, which carry tokens, are never shown)" }),
  events: Type.Array(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String(),
  last: Nullable(
    Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('retrying'), Type.Literal('failed')]),
      event: Type.String(),
      code: Nullable(Type.Integer()),
      error: Nullable(Type.String()),
      at: Type.String(),
    }),
  ),
});
const OwnerParams = Type.Object({ owner: Type.String({ maxLength: 100 }) });
const EndpointParams = Type.Object({ owner: Type.String({ maxLength: 100 }), id: Type.Integer({ minimum: 1 }) });

export const notifyRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/owners/:owner/notify',
      { schema: { summary: "The owner's notification endpoints, URLs redacted, with each one's last delivery", tags: ['notify'], params: OwnerParams, response: { 200: Type.Array(EndpointView), ...errors } } },
      async (req) => listEndpoints(deps, req.principal!, req.params.owner),
    );

    app.post(
      '/owners/:owner/notify',
      {
        schema: {
          summary: 'Add a notification endpoint; a generic webhook answers with its signing secret, shown only this once',
          tags: ['notify'],
          params: OwnerParams,
          body: Type.Object(
            {
              url: Type.String({ maxLength: 2048, description: 'http(s) URL; sealed at rest' }),
              kind: Type.Optional(Kind),
              events: Type.Optional(Type.Array(Type.String({ maxLength: 60 }), { maxItems: 30, description: 'event names; none: every event' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ endpoint: EndpointView, secret: Nullable(Type.String({ description: 'HMAC-SHA256 key of the X-Berth-Signature-256 header' })) }), ...errors },
        },
      },
      async (req, reply) => reply.status(201).send(addEndpoint(deps, req.principal!, req.params.owner, req.body)),
    );

    app.delete(
      '/owners/:owner/notify/:id',
      { schema: { summary: 'Remove a notification endpoint', tags: ['notify'], params: EndpointParams, response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors } } },
      async (req) => {
        removeEndpoint(deps, req.principal!, req.params.owner, req.params.id);
        return { deleted: req.params.id };
      },
    );

    app.post(
      '/owners/:owner/notify/:id/test',
      {
        schema: {
          summary: "Send a test notification once and answer with the receiver's status",
          tags: ['notify'],
          params: EndpointParams,
          response: { 200: Type.Object({ ok: Type.Boolean(), code: Nullable(Type.Integer()), error: Nullable(Type.String()) }), ...errors },
        },
      },
      async (req) => testEndpoint(deps, req.principal!, req.params.owner, req.params.id),
    );
  };
