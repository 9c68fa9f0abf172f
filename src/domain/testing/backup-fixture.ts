// What the backup unit tests share: fake deps with an app acme/shop whose volume `data` is the
// source, a local store in the test's temp folder, and a real tar.gz as the volume's dump.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as tarCreate } from 'tar';
import { LocalBackupStore } from '../../infra/backup-store/local.js';
import { fakeDeps, type FakeDeps } from './deps.js';

/** The volume the tests back up. */
export const VOLUME_SOURCE = 'acme/shop:data';

/** Fake deps with acme/shop (volume data at /data), the base image, and a local store in the temp folder. */
export function backupDeps(): FakeDeps {
  const f = fakeDeps();
  f.deps.backupStore = (d) => {
    if (d.kind !== 'local') throw new Error('unit tests store backups locally only');
    return new LocalBackupStore(d.dir);
  };
  f.deps.db.owners.ensure('acme');
  const app = f.deps.db.apps.insert({ name: 'shop', owner: 'acme' });
  f.deps.db.apps.update(app.id, { volumes: { data: '/data' } });
  f.engine.addImage([f.deps.config.images.base]);
  return f;
}

/** A gzip'd tar of `files` (path -> content), as `tar -czf - .` in the volume would write it. */
export function tarGz(files: Record<string, string> = { 'a.txt': 'hello\n' }): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'berth-vol-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(root);
    for (const [path, body] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), body);
    }
    const out = join(dir, 'v.tgz');
    tarCreate({ gzip: true, cwd: root, sync: true, file: out }, ['.']);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The error `p` rejects with (a BerthError's code and message). */
export async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as { code?: string; message: string },
  );
}
