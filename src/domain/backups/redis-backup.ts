// Redis add-ons: the RDB snapshot a replica would get (`redis-cli --rdb -`), its keys per
// database sampled with it; checked in Berth (magic, version, EOF marker, CRC64); restored by
// the image's berth-redis-restore into the add-on's volume while its container is away;
// drilled by the same script into a throwaway volume, keys per database compared.
import { randomBytes } from 'node:crypto';
import { pipeline as pipe, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Failed, messageOf } from '../../errors.js';
import type { BackupRow } from '../../infra/db/backups-repo.js';
import { decryptor } from '../../infra/secrets/backup-cipher.js';
import { ADDON_KINDS, addonVolumeName } from '../addons/addon-kinds.js';
import { addonAccess, containerOf, startAddon, waitReady } from '../addons/addon-service.js';
import { LABELS, type Deps } from '../context.js';
import { ensureWritableVolume } from '../processes/app-volumes.js';
import { backupKeyLookup, storeOf } from './backup-destinations.js';
import { feedOneOff, human, judgeObject, lastLines, oneOff, RUN_MS } from './backup-oneoffs.js';
import { ByteCounter, Sha256Meter } from './backup-streams.js';
import type { BackupKind, Source } from './backup-types.js';
import { RdbChecker } from './rdb-check.js';
import { redisDumpCommand } from './sources.js';

/** The fixed script in the Redis image (images/redis/restore.sh): stdin -> the volume's data, AOF rewritten. */
const RESTORE_COMMAND = ['berth-redis-restore'];
const DATA_DIR = ADDON_KINDS.redis.dataDir;

function addonOf(src: Source) {
  if (src.kind !== 'addon' || src.addon.type !== 'redis') throw Failed(`${src.name} is not a Redis add-on`);
  return src.addon;
}

/** The end-of-transfer mark of a diskless sync: 40 random hex digits (Redis's getRandomHexChars). */
const EOF_MARK = 40;
const HEX = /^[0-9a-f]+$/;

/**
 * Drops the diskless-sync mark redis-cli 7.0 leaves after the RDB when it writes to stdout (it
 * truncates the mark away only from a file: ftruncate cannot shorten a pipe). Holds back the
 * last 40 bytes; at the end drops them if they are all hex digits. A whole RDB never ends so
 * without the mark (its 9th byte from the end is the 0xFF EOF opcode), so nothing is taken
 * from one that has none (a redis-cli that strips the mark itself).
 */
export class RdbMarkStripper extends Transform {
  private held = Buffer.alloc(0);
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const all = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const cut = Math.max(0, all.length - EOF_MARK);
    this.held = Buffer.from(all.subarray(cut));
    cb(null, cut > 0 ? all.subarray(0, cut) : undefined);
  }
  override _flush(cb: TransformCallback): void {
    const mark = this.held.length === EOF_MARK && HEX.test(this.held.toString('latin1'));
    cb(null, mark || this.held.length === 0 ? undefined : this.held);
  }
}

/** One database's line of `INFO keyspace`: `db0:keys=3,expires=1,avg_ttl=0`. */
const KEYSPACE_RE = /^(db\d+):keys=(\d+),expires=(\d+)/;

/** Keys and keys with a TTL per database, from `INFO keyspace` output (or any text holding its lines). */
export function parseKeyspace(text: string): Record<string, { keys: number; expires: number }> {
  const out: Record<string, { keys: number; expires: number }> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = KEYSPACE_RE.exec(line.trim());
    if (m) out[m[1]!] = { keys: Number(m[2]), expires: Number(m[3]) };
  }
  return out;
}

/** What a backup stores as its counts: `{db0: keys}`, plus `db0:expires` where keys have a TTL. */
export function keyspaceCounts(ks: Record<string, { keys: number; expires: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [db, v] of Object.entries(ks)) {
    out[db] = v.keys;
    if (v.expires > 0) out[`${db}:expires`] = v.expires;
  }
  return out;
}

const WITHOUT_TTL = ' (keys without a TTL)';

/**
 * What a drill compares, per database: every key, or, where the backup held keys with a TTL,
 * only the others (a key whose TTL ran out since the backup is rightly gone after a restore,
 * Redis drops it while loading; a key without one must be back). `restored` is the drilled
 * copy's keyspace, shaped after the backup's counts so that both sides name the same lines.
 */
export function comparableCounts(counts: Record<string, number>, restored?: Record<string, { keys: number; expires: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  const dbs = new Set([...Object.keys(counts).filter((k) => /^db\d+$/.test(k)), ...Object.keys(restored ?? {})]);
  for (const db of dbs) {
    const ttl = (counts[`${db}:expires`] ?? 0) > 0;
    if (restored) {
      const r = restored[db];
      // Redis lists no database without keys: one whose keys all had a TTL that ran out is 0.
      if (r) out[ttl ? db + WITHOUT_TTL : db] = ttl ? r.keys - r.expires : r.keys;
      else if (ttl) out[db + WITHOUT_TTL] = 0;
    } else if (counts[db] !== undefined) {
      out[ttl ? db + WITHOUT_TTL : db] = counts[db] - (counts[`${db}:expires`] ?? 0);
    }
  }
  return out;
}

const keysSummary = (ks: Record<string, { keys: number; expires: number }>): string => {
  const dbs = Object.keys(ks);
  const keys = Object.values(ks).reduce((n, v) => n + v.keys, 0);
  return `${keys} keys in ${dbs.length} database${dbs.length === 1 ? '' : 's'}${dbs.length > 0 ? ` (${dbs.join(', ')})` : ''}`;
};

/** The restore one-off on a volume: the add-on's image, no network, the volume at the data dir. */
function restoreSpec(deps: Deps, src: Source, process: 'restore' | 'drill', image: string, volume: string) {
  // Redis holds the whole data set in memory while it loads it: as much as the add-on itself gets.
  return oneOff(deps, src, process, image, 'none', RESTORE_COMMAND, {}, { mounts: [{ volume, target: DATA_DIR }], memoryMb: Math.max(512, deps.config.defaultMemoryMb) });
}

export const redisBackups: BackupKind = {
  tool: 'redis-cli --rdb',

  /** `INFO keyspace` just before the snapshot is asked for: its keys per database (an app writing meanwhile may move them). */
  async dump(deps, src, log, signal) {
    const a = addonOf(src);
    const acc = await addonAccess(deps, a, log);
    if (!acc.running) throw Failed(`the add-on ${a.name} is not running`, { hint: 'reconcile starts it again: restart Berth or wait a moment' });
    const lines: string[] = [];
    const info = oneOff(deps, src, 'backup', acc.image, acc.network, ['redis-cli', '-h', acc.host, '-p', String(ADDON_KINDS.redis.port), '--no-auth-warning', 'INFO', 'keyspace'], { REDISCLI_AUTH: acc.password }, { logDriver: 'json-file' });
    const code = await deps.scheduler.runOnce(info, (l) => lines.push(l), 60_000, signal);
    if (code !== 0) throw Failed(`redis-cli INFO keyspace exited with code ${code}: ${lastLines(lines.join('\n'))}`);
    const ks = parseKeyspace(lines.join('\n'));
    log(`       ${keysSummary(ks)}`);
    const { cmd, env } = redisDumpCommand({ host: acc.host, password: acc.password });
    const run = await deps.scheduler.runPiped(oneOff(deps, src, 'backup', acc.image, acc.network, cmd, env), { timeoutMs: RUN_MS, ...(signal ? { signal } : {}) });
    // The stripper fails or closes with the container's output, and the other way round (pipeline).
    const stdout = pipe(run.stdout, new RdbMarkStripper(), () => undefined);
    return { run: { stdout, done: run.done }, counts: keyspaceCounts(ks), end: async () => undefined };
  },

  /** Read back and decrypted in Berth; the RDB's magic, version, end-of-file marker and CRC64 checked as it streams. */
  async check(deps, b) {
    const cipher = new Sha256Meter();
    const plain = new ByteCounter();
    const rdb = new RdbChecker();
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        rdb.update(chunk);
        cb();
      },
    });
    let feedError: unknown = null;
    try {
      await pipeline(await storeOf(deps, b).get(b.objectKey), cipher, decryptor(backupKeyLookup(deps)), plain, sink);
    } catch (e) {
      feedError = e;
    }
    // The object's own faults (cut, damaged, unknown key), size, sha256, an empty dump: as for every kind.
    judgeObject(b, { code: 0, stderr: '', stdout: '', cipher, plain, feedError }, 'the RDB check');
    const r = rdb.finish();
    if (!r.ok) throw Failed(`the RDB file is damaged: ${r.error}`);
    return { detail: `RDB version ${r.version}, ${human(r.bytes)}, checksum ${r.checksum}, sha256 ${b.sha256?.slice(0, 12)}` };
  },

  /**
   * The add-on's container goes (its volume stays), berth-redis-restore loads the snapshot in a
   * one-off on the volume and swaps the files in only once it loaded and its AOF is written,
   * then the add-on starts again on its volume: restored, or as it was if the restore failed.
   */
  async restore(deps, b, src, log, signal) {
    const a = addonOf(src);
    const acc = await addonAccess(deps, a, log);
    const c = await containerOf(deps, a);
    if (c) {
      log(`       stopping ${a.name} (its data stays in its volume)`);
      await deps.scheduler.remove(c.id, 30);
    }
    let failure: Error | null = null;
    try {
      const f = await feedOneOff(deps, b, restoreSpec(deps, src, 'restore', acc.image, addonVolumeName(deps.config.containerPrefix, a.name)), signal);
      judgeObject(b, f, 'berth-redis-restore failed; the add-on keeps the data it had');
      log(`       ${keysSummary(parseKeyspace(f.stdout))} restored`);
    } catch (e) {
      failure = e instanceof Error ? e : Failed(messageOf(e));
    }
    log(`       starting ${a.name} again`);
    try {
      await startAddon(deps, a, acc.image);
      await waitReady(deps, a);
    } catch (e) {
      if (failure) throw Failed(`${messageOf(failure)}; and the add-on did not start again: ${messageOf(e)}`, { hint: 'reconcile starts it again: restart Berth' });
      throw Failed(`the backup was restored, but the add-on did not start again: ${messageOf(e)}`, { hint: 'reconcile starts it again: restart Berth' });
    }
    if (failure) throw failure;
  },

  /** A throwaway volume, the snapshot restored into it by the same script (Redis loads it: the CRC is checked), its keyspace. */
  async drill(deps, b, src, log, signal) {
    const a = addonOf(src);
    const image = (await addonAccess(deps, a, log)).image;
    const vol = `${deps.config.containerPrefix}-drill-${randomBytes(4).toString('hex')}`;
    const labels = { [LABELS.instance]: deps.instanceId, [LABELS.owner]: src.owner, [LABELS.process]: 'drill' };
    try {
      await ensureWritableVolume(deps, vol, labels, { name: vol, labels, what: 'the drill\'s throwaway volume' });
      const f = await feedOneOff(deps, b, restoreSpec(deps, src, 'drill', image, vol), signal);
      judgeObject(b, f, 'Redis could not load the snapshot');
      const ks = parseKeyspace(f.stdout);
      log(`       ${keysSummary(ks)} loaded`);
      return comparableCounts(b.counts ?? {}, ks);
    } finally {
      await deps.scheduler.removeVolume(vol).catch(() => undefined);
    }
  },

  expected: (b: BackupRow) => comparableCounts(b.counts ?? {}),
};
