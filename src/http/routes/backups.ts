// Backups of add-ons and app volumes: take, list, check, restore and drill them (long ones as
// SSE streams ending with `exit`), the owners' S3 destinations, schedules, and (admins) the
// backup keys. What the caller's owners do not include is "not found", as add-ons are.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { listAddons } from '../../domain/addons/addon-service.js';
import { importBackups } from '../../domain/backups/backup-import.js';
import { checkBackup, createBackup, drillBackup, getBackup, listBackups, restoreBackup, type BackupView } from '../../domain/backups/backup-service.js';
import { addDestination, DEFAULT_KEEP, exportKey, importKey, keyNotExported, listDestinations, listSchedules, removeDestination, rotateKey, setSchedule } from '../../domain/backups/backup-settings.js';
import type { Deps } from '../../domain/context.js';
import { Forbidden } from '../../errors.js';
import { appFor, requireOwner, visibility } from '../access.js';
import { streamed, type StreamExit } from '../sse.js';
import { AppParams, ErrorBody, Nullable } from '../schemas.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const Source = Type.String({ maxLength: 300, description: 'an add-on name, or APP:VOLUME (owner/app:volume)' });
const DestName = Type.String({ maxLength: 100, description: "one of the owner's destinations; default the server's local directory" });
const BackupId = Type.String({ maxLength: 100 });
const SourceKind = Type.Union([Type.Literal('addon'), Type.Literal('volume')]);

const Backup = Type.Object({
  id: Type.String(),
  owner: Type.String(),
  source: Type.String(),
  sourceKind: SourceKind,
  destination: Type.String({ description: "'local' or the name of one of the owner's destinations" }),
  status: Type.Union([Type.Literal('running'), Type.Literal('verifying'), Type.Literal('ok'), Type.Literal('failed'), Type.Literal('interrupted'), Type.Literal('pruned')]),
  trigger: Type.Union([Type.Literal('manual'), Type.Literal('schedule'), Type.Literal('safety'), Type.Literal('import')]),
  plainBytes: Nullable(Type.Integer()),
  cipherBytes: Nullable(Type.Integer()),
  sha256: Nullable(Type.String({ description: 'of the stored (encrypted) object' })),
  keyId: Nullable(Type.String()),
  counts: Nullable(Type.Record(Type.String(), Type.Integer(), { description: 'rows per table (postgres), keys (redis), entries (volume)' })),
  warning: Nullable(Type.String()),
  error: Nullable(Type.String()),
  startedAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  drill: Nullable(
    Type.Object({
      status: Type.Union([Type.Literal('running'), Type.Literal('ok'), Type.Literal('failed')]),
      at: Type.String(),
      lines: Type.Array(Type.Object({ table: Type.String(), expected: Nullable(Type.Integer()), restored: Nullable(Type.Integer()) })),
      summary: Type.String(),
      error: Nullable(Type.String()),
    }, { description: 'the last restore drill of this backup' }),
  ),
});
const Destination = Type.Object({
  name: Type.String(),
  owner: Type.String(),
  kind: Type.Union([Type.Literal('local'), Type.Literal('s3')]),
  endpoint: Nullable(Type.String()),
  bucket: Nullable(Type.String()),
  region: Nullable(Type.String()),
  prefix: Nullable(Type.String()),
  accessKeyId: Nullable(Type.String({ description: 'the secret key is never shown' })),
  createdAt: Type.String(),
});
const Policy = Type.Object({
  source: Type.String(),
  sourceKind: SourceKind,
  owner: Type.String(),
  schedule: Nullable(Type.String()),
  keepDaily: Type.Integer(),
  keepWeekly: Type.Integer(),
  drillSchedule: Nullable(Type.String()),
  destination: Type.String(),
  nextBackupAt: Nullable(Type.String()),
  nextDrillAt: Nullable(Type.String()),
});
const KeyId = Type.Object({ id: Type.String() });

type Exit = StreamExit;

/** A finished backup as an `exit`: code 1 with its error unless it ended ok (and, when one ran, its drill did too). */
function backupExit(backup: BackupView, drilled: boolean): Exit {
  if (backup.status !== 'ok') return { code: 1, error: backup.error ?? `backup ${backup.id} ended ${backup.status}`, backup };
  if (drilled && backup.drill?.status !== 'ok') return { code: 1, error: drillError(backup), backup };
  return { code: 0, backup };
}

const drillError = (b: BackupView): string => `the restore drill of backup ${b.id} failed: ${b.drill?.error ?? b.drill?.summary ?? 'no result'}`;

/** Keys are the whole server's: only admins see or change them (checked before the body is read). */
const adminOnly = async (req: FastifyRequest): Promise<void> => {
  if (req.principal!.user.role !== 'admin') throw Forbidden('only admins manage backup keys');
};

export const backupRoutes =
  (deps: Deps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/backups',
      {
        schema: {
          summary: 'Back up an add-on or an app volume now: dump, encrypt, store, read back; an SSE stream of progress, then `exit` {code, backup} (code 1 and error when it failed)',
          tags: ['backups'],
          body: Type.Object({ source: Source, to: Type.Optional(DestName), drill: Type.Optional(Type.Boolean({ description: 'run a restore drill of the new backup' })) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) =>
        streamed(deps, req, reply, async (line, signal) => {
          const backup = await createBackup(deps, { source: req.body.source, to: req.body.to, drill: req.body.drill === true, visible: visibility(deps, req), log: line, signal });
          return backupExit(backup, req.body.drill === true);
        }),
    );

    app.get(
      '/backups',
      { schema: { summary: 'Backups the caller may see, newest first', tags: ['backups'], querystring: Type.Object({ source: Type.Optional(Source) }), response: { 200: Type.Array(Backup), ...errors } } },
      async (req) => listBackups(deps, { source: req.query.source, visible: visibility(deps, req) }),
    );

    app.get(
      '/backups/:id',
      { schema: { summary: 'One backup: status, sizes, sha256, key, counts, its last drill', tags: ['backups'], params: Type.Object({ id: BackupId }), response: { 200: Backup, ...errors } } },
      async (req) => getBackup(deps, req.params.id, visibility(deps, req)),
    );

    app.post(
      '/backups/:id/check',
      {
        schema: { summary: 'Read a stored backup back and check it again; an SSE stream, then `exit` {code, backup}', tags: ['backups'], params: Type.Object({ id: BackupId }), response: errors },
      },
      async (req, reply) => {
        // Checked before the stream opens, so an unknown backup is a 404.
        getBackup(deps, req.params.id, visibility(deps, req));
        return streamed(deps, req, reply, async (line, signal) => backupExit(await checkBackup(deps, { id: req.params.id, visible: visibility(deps, req), log: line, signal }), false));
      },
    );

    app.post(
      '/restores',
      {
        schema: {
          summary: 'Restore a backup (default the newest ok one) into its source, overwriting what is there; a safety backup of the current state first unless safetyBackup=false. An SSE stream, then `exit` {code, restored, safety}',
          tags: ['backups'],
          body: Type.Object({ source: Source, backupId: Type.Optional(BackupId), safetyBackup: Type.Optional(Type.Boolean({ default: true })) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) =>
        streamed(deps, req, reply, async (line, signal) => {
          const { restored, safety } = await restoreBackup(deps, { source: req.body.source, backupId: req.body.backupId, safetyBackup: req.body.safetyBackup !== false, visible: visibility(deps, req), log: line, signal });
          return { code: 0, restored, safety };
        }),
    );

    app.post(
      '/drills',
      {
        schema: {
          summary: 'Restore a backup (default the newest ok one) into a throwaway container and compare its counts; an SSE stream, then `exit` {code, backup} (code 1 when the drill failed)',
          tags: ['backups'],
          body: Type.Object({ source: Source, backupId: Type.Optional(BackupId) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) =>
        streamed(deps, req, reply, async (line, signal) => {
          const backup = await drillBackup(deps, { source: req.body.source, backupId: req.body.backupId, visible: visibility(deps, req), log: line, signal });
          return backup.drill?.status === 'ok' ? { code: 0, backup } : { code: 1, error: drillError(backup), backup };
        }),
    );

    app.post(
      '/backup-imports',
      {
        schema: {
          summary: "Disaster recovery: record the owner's backups stored at a destination that this server does not know yet (read from their plain headers), and check each; an SSE stream, then `exit` {code, imported, skipped} (code 1 when one failed its check, e.g. its key was not imported)",
          tags: ['backups'],
          body: Type.Object({ owner: Type.Optional(Type.String({ maxLength: 100, description: "default: the owner of the destination `from` names, else 'default'" })), from: Type.Optional(DestName) }, { additionalProperties: false }),
          response: errors,
        },
      },
      async (req, reply) => {
        if (req.body.owner !== undefined) requireOwner(deps, req, req.body.owner);
        return streamed(deps, req, reply, async (line, signal) => {
          const r = await importBackups(deps, { owner: req.body.owner, from: req.body.from, visible: visibility(deps, req), log: line, signal });
          const failed = r.imported.filter((b) => b.status !== 'ok');
          if (failed.length === 0) return { code: 0, ...r };
          return { code: 1, error: `${failed.length} of ${r.imported.length} imported backups failed their check: ${failed[0]!.error ?? failed[0]!.status}`, ...r };
        });
      },
    );

    app.get(
      '/apps/:app/backups',
      {
        config: { acts: 'app' },
        schema: {
          summary: "What of the app can be backed up (its add-ons and named volumes) and their backups, newest first",
          tags: ['backups'],
          params: AppParams,
          response: { 200: Type.Object({ sources: Type.Array(Type.Object({ source: Type.String(), sourceKind: SourceKind })), backups: Type.Array(Backup) }), ...errors },
        },
      },
      async (req) => {
        const visible = visibility(deps, req);
        const { app: row, ref } = appFor(deps, req, req.params.app);
        const addons = (await listAddons(deps, visible, row)).map((a) => a.name);
        const volumes = Object.keys(row.volumes ?? {}).map((v) => `${ref}:${v}`);
        const names = new Set(addons);
        const backups = listBackups(deps, { visible }).filter((b) => (b.sourceKind === 'addon' ? names.has(b.source) : b.source.startsWith(`${ref}:`)));
        return { sources: [...addons.map((source) => ({ source, sourceKind: 'addon' as const })), ...volumes.map((source) => ({ source, sourceKind: 'volume' as const }))], backups };
      },
    );

    app.get(
      '/backup-destinations',
      { schema: { summary: "The S3-compatible destinations of the caller's owners (secret keys never shown)", tags: ['backups'], response: { 200: Type.Array(Destination), ...errors } } },
      async (req) => listDestinations(deps, visibility(deps, req)),
    );

    app.post(
      '/backup-destinations',
      {
        schema: {
          summary: "Add an S3-compatible destination for an owner, after checking the bucket answers; the secret key is sealed at rest and never shown again",
          tags: ['backups'],
          body: Type.Object(
            {
              owner: Type.String({ maxLength: 100 }),
              name: Type.String({ maxLength: 60 }),
              endpoint: Type.String({ maxLength: 2048, description: 'http(s) URL of the S3 API' }),
              bucket: Type.String({ maxLength: 255 }),
              region: Type.Optional(Type.String({ maxLength: 100 })),
              prefix: Type.Optional(Type.String({ maxLength: 500 })),
              accessKeyId: Type.String({ maxLength: 500 }),
              secretAccessKey: Type.String({ maxLength: 1000 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: Destination, ...errors },
        },
      },
      async (req, reply) => {
        requireOwner(deps, req, req.body.owner);
        return reply.status(201).send(await addDestination(deps, req.body));
      },
    );

    app.delete(
      '/backup-destinations/:owner/:name',
      {
        schema: {
          summary: 'Remove a destination (refused while a schedule sends backups there); the backups stored there stay',
          tags: ['backups'],
          params: Type.Object({ owner: Type.String({ maxLength: 100 }), name: Type.String({ maxLength: 60 }) }),
          response: { 200: Type.Object({ deleted: Type.String() }), ...errors },
        },
      },
      async (req) => {
        removeDestination(deps, req.params.owner, req.params.name, visibility(deps, req));
        return { deleted: req.params.name };
      },
    );

    app.get(
      '/backup-schedules',
      { schema: { summary: 'Backup schedules (with retention and drills) of the sources the caller may see', tags: ['backups'], response: { 200: Type.Array(Policy), ...errors } } },
      async (req) => listSchedules(deps, visibility(deps, req)),
    );

    app.put(
      '/backup-schedules',
      {
        schema: {
          summary: "Set a source's backup schedule (cron, UTC; null stops it), how many daily and weekly backups to keep, and its restore drills (null: none)",
          tags: ['backups'],
          // Null first: the validator coerces types, and null tried as a string would become "".
          body: Type.Object(
            {
              source: Source,
              schedule: Type.Union([Type.Null(), Type.String({ maxLength: 100 })]),
              keepDaily: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'default 7' })),
              keepWeekly: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, description: 'default 4' })),
              drill: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 100 })])),
              to: Type.Optional(DestName),
            },
            { additionalProperties: false },
          ),
          response: { 200: Policy, ...errors },
        },
      },
      async (req) =>
        setSchedule(deps, { source: req.body.source, schedule: req.body.schedule, keepDaily: req.body.keepDaily ?? DEFAULT_KEEP.daily, keepWeekly: req.body.keepWeekly ?? DEFAULT_KEEP.weekly, drill: req.body.drill ?? null, to: req.body.to, visible: visibility(deps, req) }),
    );

    app.get(
      '/backup-keys/status',
      { schema: { summary: 'Whether the active backup key was never exported (without it, no backup can be restored on another server)', tags: ['backups'], response: { 200: Type.Object({ notExported: Type.Boolean() }), ...errors } } },
      async () => ({ notExported: keyNotExported(deps) }),
    );

    app.post(
      '/backup-keys/export',
      { preValidation: adminOnly, schema: { summary: 'The active backup key, to keep somewhere safe (admins only); recorded as exported', tags: ['backups'], response: { 200: Type.Object({ id: Type.String(), key: Type.String() }), ...errors } } },
      async () => exportKey(deps),
    );

    app.post(
      '/backup-keys/import',
      {
        preValidation: adminOnly,
        schema: {
          summary: "Add a backup key exported by another server, to restore its backups (admins only); it becomes active only if none is",
          tags: ['backups'],
          body: Type.Object({ key: Type.String({ maxLength: 1000 }) }, { additionalProperties: false }),
          response: { 200: KeyId, ...errors },
        },
      },
      async (req) => importKey(deps, req.body.key),
    );

    app.post(
      '/backup-keys/rotate',
      { preValidation: adminOnly, schema: { summary: 'Make a new active backup key (admins only); old keys stay for old backups', tags: ['backups'], response: { 200: KeyId, ...errors } } },
      async () => rotateKey(deps),
    );
  };
