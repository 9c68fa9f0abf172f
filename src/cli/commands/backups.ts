// `berth backups create|list|info|restore|check|drill|import|schedule|schedules|destinations|key`:
// encrypted backups of add-ons and app volumes, where they go, when they are taken, restore
// drills, and the backup key (export it: without it no backup restores on another server).
import type { Command } from 'commander';
import { Failed, Invalid } from '../../errors.js';
import type { BackupView, DestinationView, PolicyView } from '../../domain/backups/backup-service.js';
import type { CliContext } from '../context.js';
import { ago, table } from '../output.js';
import { humanBytes } from '../pack.js';
import { readSecret } from '../prompt.js';

type Exit = { code: number; error?: string; hint?: string } & Record<string, unknown>;

const SECRET_ENV = 'BERTH_S3_SECRET_ACCESS_KEY';

/** A size as `berth` prints sizes (pack.ts humanBytes); null -> "-". */
export const size = (n: number | null): string => (n === null ? '-' : humanBytes(n));

/** The last drill in one cell: `ok 3 tables`, `failed: notes 3 != 2`, `running`, `-`. */
export function drillCell(d: BackupView['drill']): string {
  if (!d) return '-';
  if (d.status === 'failed') return `failed: ${d.error ?? d.summary}`;
  return d.status === 'ok' ? `ok ${d.summary}` : 'running';
}

/** One table of a drill: `notes: 3 = 3`, `users: 5 != 4`. */
export function drillLine(l: { table: string; expected: number | null; restored: number | null }): string {
  const n = (v: number | null) => (v === null ? '?' : String(v));
  // An imported backup holds no counts: its drill lines have only what was restored.
  if (l.expected === null) return `${l.table}: ${n(l.restored)} restored, no count recorded in the backup`;
  return `${l.table}: ${n(l.expected)} ${l.expected !== null && l.expected === l.restored ? '=' : '!='} ${n(l.restored)}`;
}

const status = (b: BackupView) => (b.status === 'failed' && b.error ? `failed: ${b.error}` : b.status);

/** Streams a server-side job's lines (to stderr under --json, so stdout stays JSON); returns its `exit` event. */
async function follow(ctx: CliContext, path: string, json: unknown, quiet = false): Promise<Exit> {
  const ac = new AbortController();
  process.once('SIGINT', () => ac.abort());
  let exit: Exit = { code: 1, error: 'the server ended the stream without a result' };
  await ctx.client().stream(
    path,
    {},
    (ev) => {
      if (ev.event === 'exit') exit = ev.data as Exit;
      if (ev.event !== 'line') return;
      const line = (ev.data as { line: string }).line;
      if (quiet) ctx.err(line);
      else ctx.out(line);
    },
    ac.signal,
    { json },
  );
  return exit;
}

/** Prints a finished job's result, or fails with its error (non-zero exit) after printing what it returned. */
function finish(ctx: CliContext, exit: Exit, o: { json?: boolean | undefined }, print: () => void): void {
  if (o.json && exit.code === 0) return ctx.out(JSON.stringify(exit, null, 2));
  if (exit.backup && exit.code !== 0 && !o.json) printInfo(ctx, exit.backup as BackupView);
  if (exit.code !== 0) throw Failed(exit.error ?? 'failed', exit.hint ? { hint: exit.hint } : undefined);
  print();
}

function printInfo(ctx: CliContext, b: BackupView): void {
  ctx.out(`backup ${b.id} of ${b.source} (${b.sourceKind}, owner ${b.owner}): ${status(b)}`);
  ctx.out(`  destination  ${b.destination}`);
  ctx.out(`  trigger      ${b.trigger}`);
  ctx.out(`  size         ${size(b.plainBytes)} (stored encrypted: ${size(b.cipherBytes)})`);
  ctx.out(`  sha256       ${b.sha256 ?? '-'}`);
  ctx.out(`  key          ${b.keyId ?? '-'}`);
  ctx.out(`  started      ${b.startedAt} (${ago(b.startedAt)})`);
  ctx.out(`  finished     ${b.finishedAt ?? '-'}`);
  if (b.counts) ctx.out(`  counts       ${Object.entries(b.counts).map(([k, v]) => `${k} ${v}`).join(', ') || '-'}`);
  if (b.warning) ctx.out(`  warning      ${b.warning}`);
  if (b.error) ctx.out(`  error        ${b.error}`);
  if (!b.drill) return ctx.out('  drill        never (berth backups drill SOURCE --backup ID)');
  ctx.out(`  drill        ${drillCell(b.drill)} (${ago(b.drill.at)})`);
  for (const l of b.drill.lines) ctx.out(`    ${drillLine(l)}`);
}

function intArg(v: string): number {
  if (!/^\d{1,4}$/.test(v)) throw Invalid(`${JSON.stringify(v)}: expected a whole number`);
  return Number(v);
}

export function registerBackups(program: Command, ctx: CliContext): void {
  const backups = program.command('backups').description('encrypted backups of add-ons and app volumes (SOURCE: an add-on name or APP:VOLUME): take, list, check, restore, drill, schedule');

  backups
    .command('create')
    .description('back up a source now: dump, encrypt, store, read back and check')
    .argument('<source>', 'an add-on name or APP:VOLUME')
    .option('--to <destination>', "one of the owner's destinations (default: the server's local directory)")
    .option('--drill', 'then restore it into a throwaway container and compare counts')
    .option('--json', 'print JSON')
    .action(async (source: string, o: { to?: string; drill?: boolean; json?: boolean }) => {
      const exit = await follow(ctx, '/api/v1/backups', { source, ...(o.to ? { to: o.to } : {}), ...(o.drill ? { drill: true } : {}) }, o.json);
      finish(ctx, exit, o, () => {
        const b = exit.backup as BackupView;
        ctx.out(`backed up ${b.source}: backup ${b.id}, ${size(b.plainBytes)} to ${b.destination}, sha256 ${b.sha256?.slice(0, 12) ?? '-'}`);
        if (b.warning) ctx.out(`warning: ${b.warning}`);
        if (b.drill) ctx.out(`drill: ${drillCell(b.drill)}`);
      });
    });

  backups
    .command('list')
    .description('backups you can see, newest first: status, size, sha256, destination, last drill')
    .argument('[source]', 'only this source')
    .option('--json', 'print JSON')
    .action(async (source: string | undefined, o: { json?: boolean }) => {
      const client = ctx.client();
      const [rows, key] = await Promise.all([
        client.request<BackupView[]>('GET', '/api/v1/backups', { query: source ? { source } : {} }),
        client.request<{ notExported: boolean }>('GET', '/api/v1/backup-keys/status'),
      ]);
      if (key.notExported) ctx.err('warning: the backup key was never exported: if this server is lost, no backup can be restored (an admin runs `berth backups key export` and keeps it somewhere safe)');
      if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return ctx.out(source ? `${source} has no backups; take one with: berth backups create ${source}` : 'no backups');
      ctx.out(
        table(
          ['ID', 'SOURCE', 'STATUS', 'SIZE', 'SHA256', 'DESTINATION', 'STARTED', 'DRILL'],
          rows.map((b) => [b.id, b.source, status(b), size(b.plainBytes), b.sha256?.slice(0, 12), b.destination, ago(b.startedAt), drillCell(b.drill)]),
        ),
      );
    });

  backups
    .command('info')
    .description("a backup's every field, with its last drill table by table")
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const b = await ctx.client().request<BackupView>('GET', `/api/v1/backups/${encodeURIComponent(id)}`);
      if (o.json) return ctx.out(JSON.stringify(b, null, 2));
      printInfo(ctx, b);
    });

  backups
    .command('restore')
    .description("restore a backup into its source, OVERWRITING the source's current data (a safety backup of it first, unless --no-safety-backup)")
    .argument('<source>', 'an add-on name or APP:VOLUME')
    .option('--backup <id>', 'which backup (default: the newest ok one of the source)')
    .option('--no-safety-backup', 'do not back up the current data first')
    .option('-y, --yes', 'confirm: the current data is replaced')
    .option('--json', 'print JSON')
    .action(async (source: string, o: { backup?: string; safetyBackup: boolean; yes?: boolean; json?: boolean }) => {
      const which = o.backup ? `backup ${o.backup}` : `the newest ok backup of ${source}`;
      const what = source.includes(':') ? `every file in volume ${source}` : `all data in add-on ${source}`;
      if (!o.yes) {
        throw Invalid(`restoring replaces ${what} with ${which}${o.safetyBackup ? ' (a safety backup of the current data is taken first)' : ', and --no-safety-backup keeps no copy of it'}`, {
          hint: `if that is what you want, add --yes: berth backups restore ${source}${o.backup ? ` --backup ${o.backup}` : ''}${o.safetyBackup ? '' : ' --no-safety-backup'} --yes`,
        });
      }
      const exit = await follow(ctx, '/api/v1/restores', { source, ...(o.backup ? { backupId: o.backup } : {}), safetyBackup: o.safetyBackup }, o.json);
      finish(ctx, exit, o, () => {
        const { restored, safety } = exit as unknown as { restored: BackupView; safety: BackupView | null };
        if (safety) ctx.out(`safety backup of the data before: ${safety.id} (${status(safety)}; berth backups restore ${source} --backup ${safety.id} --yes undoes this)`);
        ctx.out(`restored ${source} from backup ${restored.id} (taken ${ago(restored.startedAt)})`);
      });
    });

  backups
    .command('check')
    .description('read a stored backup back and check it again (sha256, decryption, format)')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { json?: boolean }) => {
      const exit = await follow(ctx, `/api/v1/backups/${encodeURIComponent(id)}/check`, {}, o.json);
      finish(ctx, exit, o, () => ctx.out(`backup ${id} checked: ${status(exit.backup as BackupView)}`));
    });

  backups
    .command('drill')
    .description('restore a backup into a throwaway container and compare its counts with those taken at backup time')
    .argument('<source>', 'an add-on name or APP:VOLUME')
    .option('--backup <id>', 'which backup (default: the newest ok one of the source)')
    .option('--json', 'print JSON')
    .action(async (source: string, o: { backup?: string; json?: boolean }) => {
      const exit = await follow(ctx, '/api/v1/drills', { source, ...(o.backup ? { backupId: o.backup } : {}) }, o.json);
      finish(ctx, exit, o, () => {
        const b = exit.backup as BackupView;
        ctx.out(`drill of backup ${b.id}: ${drillCell(b.drill)}`);
        for (const l of b.drill?.lines ?? []) ctx.out(`  ${drillLine(l)}`);
      });
    });

  backups
    .command('schedule')
    .description('back a source up on a schedule (cron, UTC) keeping N daily and M weekly backups, with optional restore drills; --off stops it')
    .argument('<source>', 'an add-on name or APP:VOLUME')
    .option('--cron <expr>', 'when to back up, e.g. "0 3 * * *" or @daily')
    .option('--keep-daily <n>', 'daily backups kept', '7')
    .option('--keep-weekly <m>', 'weekly backups kept', '4')
    .option('--drill <expr>', 'when to drill the newest backup, e.g. @weekly')
    .option('--to <destination>', "one of the owner's destinations (default: the server's local directory)")
    .option('--off', 'stop scheduled backups and drills')
    .option('--json', 'print JSON')
    .action(async (source: string, o: { cron?: string; keepDaily: string; keepWeekly: string; drill?: string; to?: string; off?: boolean; json?: boolean }) => {
      if (!o.off && !o.cron) throw Invalid('give --cron EXPR (e.g. @daily), or --off to stop the schedule');
      if (o.off && (o.cron || o.drill)) throw Invalid('--off stops the schedule: leave out --cron and --drill');
      const p = await ctx.client().request<PolicyView>('PUT', '/api/v1/backup-schedules', {
        json: { source, schedule: o.off ? null : o.cron, keepDaily: intArg(o.keepDaily), keepWeekly: intArg(o.keepWeekly), drill: o.drill ?? null, ...(o.to ? { to: o.to } : {}) },
      });
      if (o.json) return ctx.out(JSON.stringify(p, null, 2));
      if (!p.schedule) return ctx.out(`no scheduled backups of ${source}; the backups taken stay`);
      ctx.out(`${source}: backups ${p.schedule} (UTC) to ${p.destination}, keeping ${p.keepDaily} daily and ${p.keepWeekly} weekly; next ${p.nextBackupAt ?? '-'}`);
      ctx.out(p.drillSchedule ? `drills ${p.drillSchedule}; next ${p.nextDrillAt ?? '-'}` : 'no drills (add --drill @weekly)');
    });

  backups
    .command('schedules')
    .description('the backup schedules you can see')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await ctx.client().request<PolicyView[]>('GET', '/api/v1/backup-schedules');
      if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return ctx.out('no backup schedules; add one with: berth backups schedule SOURCE --cron @daily');
      ctx.out(
        table(
          ['SOURCE', 'OWNER', 'SCHEDULE', 'KEEP', 'DESTINATION', 'NEXT BACKUP', 'DRILL', 'NEXT DRILL'],
          rows.map((p) => [p.source, p.owner, p.schedule ?? 'off', `${p.keepDaily}d ${p.keepWeekly}w`, p.destination, p.nextBackupAt, p.drillSchedule ?? 'off', p.nextDrillAt]),
        ),
      );
    });

  backups
    .command('import')
    .description("disaster recovery: record the backups stored at a destination that this server does not know yet, and check them (import the old server's key first: berth backups key import)")
    .option('--from <destination>', "one of the owner's destinations (default: the server's local directory)")
    .option('--owner <owner>', "whose backups (default: the owner of --from's destination, else \"default\")")
    .option('--json', 'print JSON')
    .action(async (o: { from?: string; owner?: string; json?: boolean }) => {
      const exit = await follow(ctx, '/api/v1/backup-imports', { ...(o.owner ? { owner: o.owner } : {}), ...(o.from ? { from: o.from } : {}) }, o.json);
      const imported = (exit.imported ?? []) as BackupView[];
      if (exit.code !== 0 && !o.json) for (const b of imported) ctx.out(`${b.id}  ${b.source}  ${status(b)}`);
      finish(ctx, exit, o, () => {
        for (const b of imported) ctx.out(`${b.id}  ${b.source}  ${status(b)}`);
        ctx.out(`imported ${imported.length} backups, skipped ${Number(exit.skipped ?? 0)} (already known here, or not Berth's)`);
      });
    });

  const destinations = backups.command('destinations').description("an owner's S3-compatible backup destinations");

  destinations
    .command('add')
    .description(`add an S3-compatible destination (checked by listing the bucket); the secret key comes from $${SECRET_ENV} or standard input, never the command line`)
    .argument('<name>')
    .requiredOption('--owner <owner>')
    .requiredOption('--endpoint <url>', 'the S3 API, e.g. https://s3.eu-central-1.amazonaws.com')
    .requiredOption('--bucket <bucket>')
    .option('--region <region>')
    .option('--prefix <prefix>', 'a key prefix inside the bucket')
    .requiredOption('--access-key-id <id>')
    .action(async (name: string, o: { owner: string; endpoint: string; bucket: string; region?: string; prefix?: string; accessKeyId: string }) => {
      // Not an option: argv is visible to every user of the machine (ps) and kept in shell history.
      const secretAccessKey =
        process.env[SECRET_ENV] ||
        (await readSecret({ prompt: 'S3 secret access key: ', fromStdin: !process.stdin.isTTY, what: 'secret access key', options: `${SECRET_ENV}=..., or the key on standard input` }));
      if (!secretAccessKey) throw Invalid('the secret access key is empty', { hint: `set ${SECRET_ENV} or pipe the key in on standard input` });
      const d = await ctx.client().request<DestinationView>('POST', '/api/v1/backup-destinations', {
        json: { owner: o.owner, name, endpoint: o.endpoint, bucket: o.bucket, ...(o.region ? { region: o.region } : {}), ...(o.prefix ? { prefix: o.prefix } : {}), accessKeyId: o.accessKeyId, secretAccessKey },
      });
      ctx.out(`added destination ${d.name} of ${d.owner}: ${d.endpoint ?? ''} bucket ${d.bucket ?? ''}${d.prefix ? `/${d.prefix}` : ''}; use it with --to ${d.name}`);
    });

  destinations
    .command('list')
    .description('the destinations of your owners (secret keys never shown)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rows = await ctx.client().request<DestinationView[]>('GET', '/api/v1/backup-destinations');
      if (o.json) return ctx.out(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return ctx.out('no backup destinations; backups go to the server\'s local directory (add one: berth backups destinations add NAME --owner O ...)');
      ctx.out(table(['NAME', 'OWNER', 'KIND', 'ENDPOINT', 'BUCKET', 'PREFIX', 'ACCESS KEY ID', 'CREATED'], rows.map((d) => [d.name, d.owner, d.kind, d.endpoint, d.bucket, d.prefix, d.accessKeyId, ago(d.createdAt)])));
    });

  destinations
    .command('remove')
    .description('remove a destination (refused while a schedule uses it); the backups stored there stay')
    .argument('<name>')
    .requiredOption('--owner <owner>')
    .action(async (name: string, o: { owner: string }) => {
      await ctx.client().request('DELETE', `/api/v1/backup-destinations/${encodeURIComponent(o.owner)}/${encodeURIComponent(name)}`);
      ctx.out(`removed destination ${name} of ${o.owner}`);
    });

  const key = backups.command('key').description('the key backups are encrypted with (admins only)');

  key
    .command('export')
    .description('print the active backup key: keep it somewhere safe, away from this server; without it no backup can be restored elsewhere')
    .action(async () => {
      const k = await ctx.client().request<{ id: string; key: string }>('POST', '/api/v1/backup-keys/export');
      ctx.out(k.key);
      ctx.err(`backup key ${k.id}: store it in a password manager or a safe; import it on another server with \`berth backups key import\``);
    });

  key
    .command('import')
    .description("add a key exported by another server (read from standard input), to restore that server's backups")
    .action(async () => {
      const text = await readSecret({ prompt: 'Backup key: ', fromStdin: !process.stdin.isTTY, what: 'backup key', options: 'the key on standard input' });
      if (!text) throw Invalid('no key given', { hint: 'berth backups key import < key.txt' });
      const k = await ctx.client().request<{ id: string }>('POST', '/api/v1/backup-keys/import', { json: { key: text } });
      ctx.out(`imported backup key ${k.id}`);
    });

  key
    .command('rotate')
    .description('make a new active key for new backups; old keys stay, for old backups')
    .action(async () => {
      const k = await ctx.client().request<{ id: string }>('POST', '/api/v1/backup-keys/rotate');
      ctx.out(`new active backup key ${k.id}; export it: berth backups key export`);
    });
}
