// /api/v1/owners: owners, their members, and the domains and capabilities an admin allows them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { addMember, createOwner, deleteOwner, listOwners, removeMember, updateOwner } from '../../domain/owners/owner-service.js';
import { ErrorBody } from '../schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const OwnerView = Type.Object({
  name: Type.String(),
  domains: Type.Array(Type.String()),
  capabilities: Type.Array(Type.String()),
  members: Type.Array(Type.String()),
  apps: Type.Integer(),
  quotas: Type.Object(
    { apps: Type.Union([Type.Integer(), Type.Null()]), previews: Type.Union([Type.Integer(), Type.Null()]), runs: Type.Union([Type.Integer(), Type.Null()]) },
    { description: "the owner's own quotas; null: the server's default" },
  ),
  limits: Type.Object({ apps: Type.Integer(), previews: Type.Integer(), runs: Type.Integer() }, { description: 'the quotas that hold' }),
  createdAt: Type.String(),
});
const Quota = Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1_000_000 }), Type.Null()]));
const QuotasBody = Type.Optional(
  Type.Object(
    { apps: Quota, previews: Quota, runs: Quota },
    { additionalProperties: false, description: 'apps, previews and one-off runs at once the owner may have; null: back to the server default (BERTH_QUOTA_*)' },
  ),
);
const Grants = {
  domains: Type.Optional(Type.Array(Type.String({ maxLength: 260 }), { maxItems: 100, description: 'custom domains the owner\'s apps may use; each allows its subdomains too' })),
  capabilities: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20, description: 'Linux capabilities the owner\'s apps may declare' })),
};
const OwnerParams = Type.Object({ owner: Type.String({ maxLength: 100 }) });
const MemberParams = Type.Object({ owner: Type.String({ maxLength: 100 }), user: Type.String({ maxLength: 100 }) });

export const ownerRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/owners', { schema: { summary: 'Owners (admins: all; others: their own)', tags: ['owners'], response: { 200: Type.Array(OwnerView), ...errors } } }, async (req) =>
      listOwners(deps, req.principal!),
    );

    app.post(
      '/owners',
      { schema: { summary: 'Create an owner (admins only)', tags: ['owners'], body: Type.Object({ name: Type.String({ maxLength: 100 }), ...Grants }, { additionalProperties: false }), response: { 201: OwnerView, ...errors } } },
      async (req, reply) => reply.status(201).send(createOwner(deps, req.principal!, req.body)),
    );

    app.patch(
      '/owners/:owner',
      {
        schema: {
          summary: "Replace an owner's allowed domains and/or capabilities, or set its quotas (admins only)",
          tags: ['owners'],
          params: OwnerParams,
          body: Type.Object({ ...Grants, quotas: QuotasBody }, { additionalProperties: false }),
          response: { 200: OwnerView, ...errors },
        },
      },
      async (req) => updateOwner(deps, req.principal!, req.params.owner, req.body),
    );

    app.delete(
      '/owners/:owner',
      { schema: { summary: 'Delete an owner without apps (admins only)', tags: ['owners'], params: OwnerParams, response: { 200: Type.Object({ deleted: Type.String() }), ...errors } } },
      async (req) => {
        await deleteOwner(deps, req.principal!, req.params.owner);
        return { deleted: req.params.owner };
      },
    );

    app.put(
      '/owners/:owner/members/:user',
      { schema: { summary: 'Make a user a member of an owner (admins only)', tags: ['owners'], params: MemberParams, response: { 200: OwnerView, ...errors } } },
      async (req) => addMember(deps, req.principal!, req.params.owner, req.params.user),
    );

    app.delete(
      '/owners/:owner/members/:user',
      { schema: { summary: 'Remove a user from an owner (admins only)', tags: ['owners'], params: MemberParams, response: { 200: OwnerView, ...errors } } },
      async (req) => removeMember(deps, req.principal!, req.params.owner, req.params.user),
    );
  };
