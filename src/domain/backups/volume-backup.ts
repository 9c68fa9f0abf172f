// App volumes: a gzip'd tar of the volume (read-only, by a root one-off that may read every
// file); checked by reading gzip and tar to their end in Berth; restored into the emptied
// volume while no container of the app runs; drilled into a throwaway volume, files counted.
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Failed, messageOf } from '../../errors.js';
import { decryptor } from '../../infra/secrets/backup-cipher.js';
import { quantityOf } from '../apps/procfile.js';
import { volumeName } from '../apps/volumes.js';
import { LABELS, type Deps } from '../context.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { ContainerInfo, VolumeMount } from '../ports.js';
import { backupKeyLookup, storeOf } from './backup-destinations.js';
import { feedOneOff, human, judgeObject, lastLines, oneOff, RUN_MS } from './backup-oneoffs.js';
import { ByteCounter, Sha256Meter } from './backup-streams.js';
import type { BackupKind, Source } from './backup-types.js';
import { VOLUME_MOUNT, volumeRestoreCommand, volumeTarCommand } from './sources.js';
import { countTarEntries } from './tar-check.js';

/** Capabilities the restoring root needs to give files back their owners and modes (nothing else). */
const RESTORE_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'];

/** How long a container scaled away may take to stop after its drain (Docker's stop timeout, and some). */
const DRAIN_STOP_MS = 30_000;

/** The app's containers that run (and so may write to its volumes): processes, `berth run`s, cron jobs. */
async function runningOf(deps: Deps, app: AppRow): Promise<ContainerInfo[]> {
  const all = await deps.scheduler.listContainers({ [LABELS.instance]: deps.instanceId, [LABELS.app]: app.name, [LABELS.owner]: app.owner });
  return all.filter((c) => c.state === 'running' || c.state === 'restarting');
}

/** Whether a container is one of a process type of the current release scaled to 0: it is stopping. */
function drainingTest(deps: Deps, appId: number): (c: ContainerInfo) => boolean {
  const app = deps.db.apps.get(appId);
  const d = app?.currentDeploymentId != null ? deps.db.deployments.get(app.currentDeploymentId) : undefined;
  return (c) => {
    const type = c.labels[LABELS.process] ?? 'web';
    return app !== undefined && d !== undefined && type !== 'release' && Object.hasOwn(d.processes, type) && quantityOf(type, app.formation) === 0;
  };
}

function volumeOf(deps: Deps, src: Source): string {
  if (src.kind !== 'volume') throw Failed(`${src.name} is not a volume`);
  return volumeName(deps.config.containerPrefix, src.app.owner, src.app.name, src.volume);
}

export const volumeBackups: BackupKind = {
  tool: 'tar',

  /** GNU tar exits 1 when a file changed while it was read (the app wrote meanwhile): whole, with a warning. */
  tolerated: (code, stderr) => (code === 1 ? `tar: files changed while they were read: ${lastLines(stderr)}` : null),

  async dump(deps, src, _log, signal) {
    const run = await deps.scheduler.runPiped(
      oneOff(deps, src, 'backup', deps.config.images.base, 'none', volumeTarCommand(), {}, {
        mounts: [{ volume: volumeOf(deps, src), target: VOLUME_MOUNT, readOnly: true }],
        capAdd: ['DAC_READ_SEARCH'],
      }),
      { timeoutMs: RUN_MS, ...(signal ? { signal } : {}) },
    );
    return { run, counts: null, end: async () => undefined };
  },

  async check(deps, b) {
    const cipher = new Sha256Meter();
    const plain = new ByteCounter();
    const tarIn = new PassThrough();
    let seen: { entries: number; bytes: number };
    try {
      [seen] = await Promise.all([countTarEntries(tarIn), pipeline(await storeOf(deps, b).get(b.objectKey), cipher, decryptor(backupKeyLookup(deps)), plain, tarIn)]);
    } catch (e) {
      // The object's own faults (cut, damaged, unknown key) first; then an empty dump; then the archive's.
      const own = /truncated|damaged|key|not a Berth backup/.test(messageOf(e));
      if (!own && plain.bytes === 0) throw Failed('the dump is empty (0 bytes)');
      throw Failed(own ? messageOf(e) : `the archive cannot be read: ${messageOf(e)}`);
    }
    judgeObject(b, { code: 0, stderr: '', stdout: '', cipher, plain, feedError: null }, 'tar');
    return { detail: `${seen.entries} entries, ${human(seen.bytes)} of files, sha256 ${b.sha256?.slice(0, 12)}`, counts: { entries: seen.entries, bytes: seen.bytes } };
  },

  async beforeRestore(deps, src) {
    if (src.kind !== 'volume') return;
    let running = await runningOf(deps, src.app);
    // `berth scale APP web=0` returns before its containers stop (they drain in the background):
    // the restore its hint leads to waits for those, and refuses anything else at once.
    const draining = drainingTest(deps, src.app.id);
    if (running.length > 0 && running.every(draining)) {
      const until = Date.now() + deps.config.drainSeconds * 1000 + DRAIN_STOP_MS;
      while (running.length > 0 && running.every(draining) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 500));
        running = await runningOf(deps, src.app);
      }
    }
    if (running.length > 0) {
      const ref = `${src.app.owner}/${src.app.name}`;
      throw Failed(`${ref} is running (${running.length} containers mount its volumes): a volume is restored only while nothing writes to it`, {
        hint: `stop it (berth scale ${ref} web=0 and its other types), restore, then scale it up again`,
      });
    }
  },

  async restore(deps, b, src, _log, signal) {
    const spec = oneOff(deps, src, 'restore', deps.config.images.base, 'none', volumeRestoreCommand(), {}, { mounts: [{ volume: volumeOf(deps, src), target: VOLUME_MOUNT }], capAdd: RESTORE_CAPS });
    judgeObject(b, await feedOneOff(deps, b, spec, signal), 'tar could not extract the archive');
  },

  /** A throwaway volume, the archive extracted into it, its files counted. */
  async drill(deps, b, src, _log, signal) {
    const vol = `${deps.config.containerPrefix}-drill-${randomBytes(4).toString('hex')}`;
    await deps.scheduler.ensureVolume(vol, { [LABELS.instance]: deps.instanceId, [LABELS.owner]: src.owner, [LABELS.process]: 'drill' });
    try {
      const mounts: VolumeMount[] = [{ volume: vol, target: VOLUME_MOUNT }];
      const f = await feedOneOff(deps, b, oneOff(deps, src, 'drill', deps.config.images.base, 'none', volumeRestoreCommand(), {}, { mounts, capAdd: RESTORE_CAPS }), signal);
      judgeObject(b, f, 'tar could not extract the archive');
      const out: string[] = [];
      // A fixed script (no input of anyone's in it): count what the extraction gave back.
      const count = oneOff(deps, src, 'drill', deps.config.images.base, 'none', ['sh', '-c', `find ${VOLUME_MOUNT} -mindepth 1 | wc -l`], {}, { mounts, capAdd: ['DAC_READ_SEARCH'], logDriver: 'json-file' });
      const code = await deps.scheduler.runOnce(count, (l) => out.push(l), 10 * 60_000);
      const files = Number(out.join('').trim());
      if (code !== 0 || !Number.isInteger(files)) throw Failed(`counting the restored files failed (exit ${code})`);
      return { files };
    } finally {
      await deps.scheduler.removeVolume(vol).catch(() => undefined);
    }
  },

  /** The archive's entries less its own "./": the files and folders a restore gives back. */
  expected: (b) => ({ files: Math.max(0, (b.counts?.entries ?? 1) - 1) }),
};
