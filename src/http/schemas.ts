// Request and response schemas (TypeBox, i.e. JSON Schema): Fastify validates with them and
// the OpenAPI document at /openapi.json is generated from them.
import Type from 'typebox';

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) }) },
  { $id: 'Error' },
);

/** A value of type t, or null. */
export const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Deployment = Type.Object({
  id: Type.Integer(),
  buildId: Type.Integer(),
  image: Nullable(Type.String()),
  port: Nullable(Type.Integer()),
  status: Type.String({ description: 'pending | starting | running | unhealthy | failed | stopped' }),
  reason: Nullable(Type.String()),
  containers: Type.Array(Type.String()),
  processes: Type.Record(Type.String(), Type.String(), { description: "process type -> command ('' = the image's CMD)" }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  release: Type.Optional(Nullable(Type.Integer({ description: 'the release (vN, per app) this deployment put live; null while under way, after a failure, or once a restart took it over' }))),
});

export const Build = Type.Object({
  id: Type.Integer(),
  sourceKind: Type.String(),
  source: Type.String(),
  status: Type.String({ description: 'pending | fetching | building | succeeded | failed' }),
  image: Nullable(Type.String()),
  error: Nullable(Type.String()),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  deploymentId: Type.Optional(Nullable(Type.Integer({ description: 'the deployment this build was made for' }))),
  deployStatus: Type.Optional(Nullable(Type.String({ description: "that deployment's status: a build can succeed and its deploy fail" }))),
  deployReason: Type.Optional(Nullable(Type.String())),
  release: Type.Optional(Nullable(Type.Integer({ description: 'the release (vN) the deploy made, if it went live' }))),
});

export const HealthCheck = Type.Object({
  path: Type.String(),
  timeoutMs: Type.Integer(),
  attempts: Type.Integer(),
  intervalMs: Type.Integer(),
  waitMs: Type.Integer(),
});

export const Limits = Type.Object({ memoryMb: Type.Integer(), cpus: Type.Number() }, { description: 'per container, the defaults filled in' });

export const AppView = Type.Object({
  name: Type.String(),
  owner: Type.String(),
  status: Type.String({ description: 'new | deploying | running (something of the current release runs: a web container when it has web processes) | crashed (its containers are down, or crash-looping: restarted 3 times within 2 minutes) | failed | stopped (nothing runs on purpose, e.g. scaled to web=0; never crashed) | unknown (Docker did not answer)' }),
  urls: Type.Array(Type.String()),
  port: Nullable(Type.Integer()),
  healthcheck: HealthCheck,
  limits: Limits,
  domains: Type.Array(Type.String()),
  currentDeployment: Nullable(Deployment),
  latestDeployment: Nullable(Deployment),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const Container = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: Type.String(),
  restartCount: Type.Integer(),
  startedAt: Type.String(),
});

export const AppStatusView = Type.Intersect([AppView, Type.Object({ containers: Type.Array(Container) })]);

export const AppParams = Type.Object({ app: Type.String({ maxLength: 200 }) });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const CreateAppBody = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    owner: Type.Optional(Type.String({ maxLength: 200 })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  },
  { additionalProperties: false },
);

export const DeployQuery = Type.Object({
  wait: Type.Optional(Type.Boolean({ description: 'hold the request until the deploy has finished; a failed deploy answers 422' })),
  create: Type.Optional(Type.Boolean({ description: 'create the app if it does not exist' })),
  owner: Type.Optional(Type.String({ maxLength: 200, description: 'owner of an app created by this deploy' })),
});

export const WaitQuery = Type.Object({ wait: DeployQuery.properties.wait });

export const DeployBody = Type.Object(
  {
    git: Type.Optional(Type.Object({ url: Type.String({ maxLength: 4096 }), ref: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false })),
    image: Type.Optional(Type.String({ maxLength: 300 })),
  },
  { additionalProperties: false },
);

export const StartedDeploy = Type.Object({ app: Type.String(), build: Build, deployment: Deployment });

export const LogsQuery = Type.Object({
  follow: Type.Optional(Type.Boolean()),
  tail: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
});

export const Event = Type.Object({ id: Type.Integer(), subject: Type.String(), kind: Type.String(), message: Type.String(), createdAt: Type.String() });

export const HostCertificateSchema = Type.Object({
  host: Type.String(),
  app: Nullable(Type.String({ description: "owner/name; null for Berth's own host" })),
  https: Type.Boolean({ description: 'false: served on plain http only (BERTH_TLS=off, or the app has tls: false)' }),
  issuer: Nullable(Type.String()),
  notAfter: Nullable(Type.String({ description: 'ISO 8601' })),
  error: Nullable(Type.String({ description: "the CA's or the challenge's last error since the certificate" })),
  errorAt: Nullable(Type.String()),
  retryAt: Nullable(Type.String({ description: 'no new request to the CA before this time (backing off)' })),
});
