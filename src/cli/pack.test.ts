import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { list } from 'tar';
import { afterEach, describe, expect, it } from 'vitest';
import { humanBytes, packDirectory } from './pack.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berthtest-pack-'));
  dirs.push(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

async function packed(dir: string): Promise<{ names: string[]; skipped: string[] }> {
  const p = await packDirectory(dir);
  dirs.push(p.file);
  const names: string[] = [];
  await list({ file: p.file, onReadEntry: (e) => names.push(e.path) } as Parameters<typeof list>[0]);
  return { names: names.sort(), skipped: p.skipped };
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('packDirectory', () => {
  it('leaves node_modules, .git and build caches out of an upload without ignore files, and says so', async () => {
    const dir = folder({ 'server.js': '', 'package.json': '{}', 'node_modules/x/index.js': '', '.git/HEAD': '', '__pycache__/a.pyc': '', 'src/.venv/bin/python': '', 'lib/b.pyc': '' });
    const r = await packed(dir);
    expect(r.names).toEqual(['package.json', 'server.js']);
    expect(r.skipped).toEqual(expect.arrayContaining(['node_modules/', '__pycache__/', 'src/.venv/', 'lib/b.pyc']));
    expect(r.skipped).not.toContain('.git/');
  });

  it('sends node_modules when .dockerignore brings it back', async () => {
    const dir = folder({ 'server.js': '', 'node_modules/x/index.js': '', '.dockerignore': '!node_modules/\n' });
    expect((await packed(dir)).names).toEqual(['.dockerignore', 'node_modules/x/index.js', 'server.js']);
  });

  it('refuses an empty folder, or one whose every file is ignored, with a clear reason', async () => {
    const empty = folder({});
    await expect(packDirectory(empty)).rejects.toMatchObject({ code: 'invalid', message: `nothing to deploy: ${empty} is empty (or everything in it is ignored)` });
    await expect(packDirectory(folder({ 'node_modules/a.js': '' }))).rejects.toMatchObject({ code: 'invalid' });
  });
});

describe('humanBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [34191 * 1024, '33.4 MB'],
    [1536 * 1024 * 1024, '1.5 GB'],
  ])('prints %d bytes as %s', (n, text) => {
    expect(humanBytes(n)).toBe(text);
  });
});
