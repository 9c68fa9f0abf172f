// PostgreSQL add-ons: pg_dump's custom format under a snapshot whose exact row counts are taken
// with it; checked by pg_restore reading the whole archive; restored in one transaction;
// drilled into a throwaway database of the same image, exact counts compared.
import { randomBytes } from 'node:crypto';
import { Failed } from '../../errors.js';
import type { BackupRow } from '../../infra/db/backups-repo.js';
import { connectPg, userTableCounts, type PgSession } from '../../infra/postgres/wire.js';
import { ensureAddonImage } from '../addons/addon-images.js';
import { ADDON_KINDS, addonEnv, generatePassword, pgIdentifier } from '../addons/addon-kinds.js';
import { addonAccess } from '../addons/addon-service.js';
import { LABELS } from '../context.js';
import { feedOneOff, human, judgeObject, oneOff, RUN_MS } from './backup-oneoffs.js';
import type { BackupKind, Source } from './backup-types.js';
import { pgDumpCommand, pgEnv, pgListTableDataCount, pgRestoreCommand, pgRestoreEnv, pgRestoreListCommand, pgRestoreReadAllCommand } from './sources.js';

/** A drill's throwaway database may take this long to accept connections. */
const DRILL_READY_MS = 90_000;
const PORT = ADDON_KINDS.postgres.port;

function addonOf(src: Source) {
  if (src.kind !== 'addon' || src.addon.type !== 'postgres') throw Failed(`${src.name} is not a PostgreSQL add-on`);
  return src.addon;
}

async function closeQuietly(s: PgSession): Promise<void> {
  await s.close().catch(() => undefined);
}

export const postgresBackups: BackupKind = {
  tool: 'pg_dump',

  /**
   * Counts every user table exactly in a repeatable-read transaction and dumps under that
   * transaction's snapshot: the counts are exactly what the dump holds, even while the app writes.
   */
  async dump(deps, src, log, signal) {
    const a = addonOf(src);
    const acc = await addonAccess(deps, a, log);
    if (!acc.running || !acc.ip) throw Failed(`the add-on ${a.name} is not running`, { hint: 'reconcile starts it again: restart Berth or wait a moment' });
    const db = pgIdentifier(a.name);
    const session = await connectPg({ host: acc.ip, port: PORT, user: db, password: acc.password, database: db, timeoutMs: 15_000 });
    try {
      await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const snap = (await session.query('SELECT pg_export_snapshot()'))[0]?.rows[0]?.[0];
      if (!snap) throw Failed('PostgreSQL exported no snapshot');
      const counts = await userTableCounts(session);
      log(`       ${Object.keys(counts).length} tables, ${Object.values(counts).reduce((x, y) => x + y, 0)} rows (exact counts under the dump's snapshot)`);
      const run = await deps.scheduler.runPiped(oneOff(deps, src, 'backup', acc.image, acc.network, pgDumpCommand({ host: acc.host, user: db, database: db, snapshot: snap }), pgEnv(acc.password)), {
        timeoutMs: RUN_MS,
        ...(signal ? { signal } : {}),
      });
      return { run, counts, end: () => closeQuietly(session) };
    } catch (e) {
      await closeQuietly(session);
      throw e;
    }
  },

  /** pg_restore reads the whole archive (into /dev/null): a dump cut anywhere fails; then its table of contents. */
  async check(deps, b, signal) {
    const image = await ensureAddonImage(deps, 'postgres', () => undefined);
    const all = await feedOneOff(deps, b, oneOff(deps, b, 'backup-check', image, 'none', pgRestoreReadAllCommand(), {}), signal);
    judgeObject(b, all, 'pg_restore could not read the archive');
    const list = await feedOneOff(deps, b, oneOff(deps, b, 'backup-check', image, 'none', pgRestoreListCommand(), {}), signal);
    judgeObject(b, list, 'pg_restore --list could not read the archive');
    return { detail: `${human(all.plain.bytes)} archive, ${pgListTableDataCount(list.stdout)} tables with data, sha256 ${b.sha256?.slice(0, 12)}` };
  },

  /** One transaction: a restore that fails leaves the database as it was. */
  async restore(deps, b, src, log, signal) {
    const a = addonOf(src);
    const acc = await addonAccess(deps, a, log);
    if (!acc.running) throw Failed(`the add-on ${a.name} is not running`);
    const db = pgIdentifier(a.name);
    const f = await feedOneOff(deps, b, oneOff(deps, src, 'restore', acc.image, acc.network, pgRestoreCommand({ host: acc.host, user: db, database: db }), pgRestoreEnv(acc.password)), signal);
    judgeObject(b, f, 'pg_restore failed; the database is as it was (one transaction)');
  },

  /** A throwaway PostgreSQL of the add-on's image (no volume, random password), the backup restored into it, exact counts. */
  async drill(deps, b, src, log, signal) {
    const a = addonOf(src);
    const acc = await addonAccess(deps, a, log);
    const pass = generatePassword();
    const name = `${deps.config.containerPrefix}-drill-${randomBytes(4).toString('hex')}`;
    const db = pgIdentifier(a.name);
    const id = await deps.scheduler.run({
      name,
      image: acc.image,
      env: addonEnv(a, pass),
      labels: { [LABELS.instance]: deps.instanceId, [LABELS.owner]: a.owner, [LABELS.process]: 'drill' },
      network: acc.network,
      memoryMb: deps.config.defaultMemoryMb,
      cpus: deps.config.defaultCpus,
      pidsLimit: 512,
      restart: 'no',
    });
    try {
      const ip = (await deps.scheduler.inspect(id))?.ip;
      if (!ip) throw Failed('the throwaway database has no address');
      await closeQuietly(await connectWhenReady(ip, db, pass));
      const f = await feedOneOff(deps, b, oneOff(deps, src, 'drill', acc.image, acc.network, pgRestoreCommand({ host: name, user: db, database: db }), pgEnv(pass)), signal);
      judgeObject(b, f, 'pg_restore into the throwaway database failed');
      const session = await connectPg({ host: ip, port: PORT, user: db, password: pass, database: db, timeoutMs: 15_000 });
      try {
        return await userTableCounts(session);
      } finally {
        await closeQuietly(session);
      }
    } finally {
      await deps.scheduler.remove(id, 1).catch(() => undefined);
    }
  },

  expected: (b: BackupRow) => b.counts ?? {},
};

async function connectWhenReady(ip: string, db: string, password: string): Promise<PgSession> {
  const until = Date.now() + DRILL_READY_MS;
  for (;;) {
    try {
      return await connectPg({ host: ip, port: PORT, user: db, password, database: db, timeoutMs: 5_000 });
    } catch (e) {
      if (Date.now() > until) throw Failed(`the throwaway database did not accept connections within ${DRILL_READY_MS / 1000}s: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 400));
    }
  }
}

