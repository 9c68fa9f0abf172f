// /api/v1/users: admins create and delete users; everyone may set their own password.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Deps } from '../../domain/context.js';
import { createUser, deleteUser, listUsers, setPassword } from '../../domain/users/users.js';
import { Forbidden } from '../../errors.js';
import { ErrorBody } from '../schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const User = Type.Object({ name: Type.String(), role: Type.String(), owners: Type.Array(Type.String()), createdAt: Type.String() });
const NameParams = Type.Object({ name: Type.String({ maxLength: 100 }) });

export const userRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get('/users', { schema: { summary: 'Users (admins only)', tags: ['auth'], response: { 200: Type.Array(User), ...errors } } }, async (req) => listUsers(deps, req.principal!));

    app.post(
      '/users',
      {
        schema: {
          summary: "Create a user (admins only); the answer carries the user's first token, shown once",
          tags: ['auth'],
          body: Type.Object(
            {
              name: Type.String({ maxLength: 100 }),
              role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('viewer')]),
              owners: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, description: 'owners whose apps the user may see (and change, unless a viewer)' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ user: User, token: Type.String() }), ...errors },
        },
      },
      async (req, reply) => {
        const { user, token } = createUser(deps, req.principal!, req.body);
        return reply.status(201).send({ user, token });
      },
    );

    app.delete(
      '/users/:name',
      { schema: { summary: 'Delete a user with their tokens and sessions (admins only)', tags: ['auth'], params: NameParams, response: { 200: Type.Object({ deleted: Type.String() }), ...errors } } },
      async (req) => {
        deleteUser(deps, req.principal!, req.params.name);
        return { deleted: req.params.name };
      },
    );

    app.put(
      '/users/:name/password',
      {
        config: { viewerMay: true },
        // Whose password it is decides before the body is read: someone else's is refused the
        // same way whatever was sent.
        preValidation: async (req) => {
          const p = req.principal!;
          if ((req.params as { name?: string }).name !== p.user.name && p.user.role !== 'admin') throw Forbidden("only admins set other users' passwords");
        },
        schema: {
          summary: "Set or remove (null) a user's dashboard password: your own, or anyone's as an admin; ends the user's sessions",
          tags: ['auth'],
          params: NameParams,
          // Null first: the validator coerces types, and null tried as a string would become "".
          body: Type.Object({ password: Type.Union([Type.Null(), Type.String({ maxLength: 1000 })]) }, { additionalProperties: false }),
          response: { 200: Type.Object({ user: Type.String(), password: Type.Boolean() }), ...errors },
        },
      },
      async (req) => {
        await setPassword(deps, req.principal!, req.params.name, req.body.password);
        return { user: req.params.name, password: req.body.password !== null };
      },
    );
  };
