// The one-off containers backups run in (limited, unprivileged, no logs kept), and feeding a
// stored backup, read back and decrypted, into one: the check, restore and drill all do that.
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Failed, messageOf } from '../../errors.js';
import type { BackupRow } from '../../infra/db/backups-repo.js';
import { decryptor } from '../../infra/secrets/backup-cipher.js';
import { LABELS, type Deps } from '../context.js';
import type { ContainerSpec } from '../ports.js';
import { backupKeyLookup, storeOf } from './backup-destinations.js';
import { ByteCounter, readText, Sha256Meter } from './backup-streams.js';

/** What one-offs of backups are labelled with (recovery removes leftovers after a crash). */
export const BACKUP_PROCESSES = ['backup', 'backup-check', 'restore', 'drill'] as const;
/** A dump, check or restore may run this long. */
export const RUN_MS = 6 * 60 * 60_000;

/** The spec of one of Berth's own backup one-offs: limited, unprivileged, no logs kept. */
export function oneOff(
  deps: Deps,
  src: { owner: string },
  process: (typeof BACKUP_PROCESSES)[number],
  image: string,
  network: string,
  cmd: string[],
  env: Record<string, string>,
  extra: Partial<ContainerSpec> = {},
): ContainerSpec {
  return {
    name: `${deps.config.containerPrefix}-${process}-${randomBytes(4).toString('hex')}`,
    image,
    env,
    labels: { [LABELS.instance]: deps.instanceId, [LABELS.owner]: src.owner, [LABELS.process]: process },
    network,
    memoryMb: 512,
    cpus: 1,
    pidsLimit: 64,
    cmd,
    restart: 'no',
    logDriver: 'none',
    ...extra,
  };
}

export interface Fed {
  code: number;
  stderr: string;
  stdout: string;
  cipher: Sha256Meter;
  plain: ByteCounter;
  /** What went wrong reading, hashing or decrypting the object, if anything. */
  feedError: unknown;
}

/**
 * Runs a one-off with the stored object, decrypted, as its stdin, to the container's end. A
 * reader that stops early (pg_restore --list) leaves the rest to be read here, so the object
 * is always authenticated to its final chunk.
 */
export async function feedOneOff(deps: Deps, b: BackupRow, spec: ContainerSpec, signal?: AbortSignal): Promise<Fed> {
  const cipher = new Sha256Meter();
  const plain = new ByteCounter();
  const obj = await storeOf(deps, b).get(b.objectKey);
  // The container is attached to `plain` before a byte flows, so a read that fails at once
  // (an object cut at rest) is an input failure it sees, not an input that never ends.
  const run = await deps.scheduler.runPiped(spec, { stdin: plain, timeoutMs: RUN_MS, ...(signal ? { signal } : {}) }).catch((e: unknown) => {
    obj.destroy();
    throw e;
  });
  const feed = pipeline(obj, cipher, decryptor(backupKeyLookup(deps)), plain).then(
    () => null,
    (e: unknown) => e,
  );
  const out = readText(run.stdout).catch(() => '');
  let done: { code: number; stderr: string };
  try {
    done = await run.done;
  } catch (e) {
    // The input failed (the container was killed rather than given a cut input as whole): say why.
    const feedError = await feed;
    if (feedError) return { code: -1, stderr: '', stdout: '', cipher, plain, feedError };
    throw e;
  }
  // The container ended before the input did: a reader that stops early had what it needed
  // (the rest is read here, still authenticated); one that failed gets no more.
  const cutHere = !plain.readableEnded && !plain.destroyed && done.code !== 0;
  if (!plain.readableEnded) {
    if (done.code === 0) plain.resume();
    else plain.destroy();
  }
  const feedError = await feed;
  return { ...done, stdout: await out, cipher, plain, feedError: cutHere ? null : feedError };
}

/** What a read-back says about the object as a whole: throws the first thing wrong. */
export function judgeObject(b: BackupRow, f: Fed, what: string): void {
  if (f.feedError) throw Failed(messageOf(f.feedError));
  if (b.cipherBytes !== null && f.cipher.bytes !== b.cipherBytes) throw Failed(`the stored object has ${f.cipher.bytes} bytes, ${b.cipherBytes} were written`);
  if (b.sha256 && f.cipher.digest() !== b.sha256) throw Failed(`the stored object's sha256 is ${f.cipher.digest().slice(0, 12)}…, not the ${b.sha256.slice(0, 12)}… written`);
  if (f.plain.bytes === 0) throw Failed('the dump is empty (0 bytes)');
  if (f.code !== 0) throw Failed(`${what} (exit ${f.code}): ${lastLines(f.stderr)}`);
}

export const lastLines = (s: string): string => s.trim().split('\n').slice(-3).join(' | ').slice(0, 600);

export function human(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${u[i]}`;
}
