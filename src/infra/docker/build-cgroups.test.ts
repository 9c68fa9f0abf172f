import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BuildCgroups } from './build-cgroups.js';

// A folder stands in for /sys/fs/cgroup: the kernel's files are plain files here.
let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function v1(): string {
  root = mkdtempSync(join(tmpdir(), 'cg-'));
  for (const c of ['pids', 'memory', 'cpu']) {
    mkdirSync(join(root, c));
    writeFileSync(join(root, c, 'cgroup.procs'), '');
  }
  return root;
}

describe('BuildCgroups', () => {
  it("makes a build's parent with its pids.max and removes it from every hierarchy", async () => {
    const cg = new BuildCgroups({ root: v1(), prefix: 'berthx' });
    expect(await cg.unsupported({ driver: 'cgroupfs', version: '1' })).toBeUndefined();
    const parent = await cg.create(64, '1');
    expect(parent).toMatch(/^\/berth-builds\/berthx-[0-9a-f]{12}$/);
    expect(readFileSync(join(root, 'pids', parent, 'pids.max'), 'utf8')).toBe('64');
    // The engine makes the parent in each controller it uses.
    mkdirSync(join(root, 'memory', parent), { recursive: true });
    rmSync(join(root, 'pids', parent, 'pids.max'));
    await cg.remove(parent, '1');
    expect(existsSync(join(root, 'pids', parent))).toBe(false);
    expect(existsSync(join(root, 'memory', parent))).toBe(false);
  });

  it('says why builds cannot get a pids limit under the systemd driver or without a pids controller', async () => {
    const cg = new BuildCgroups({ root: v1(), prefix: 'berthx' });
    expect(await cg.unsupported({ driver: 'systemd', version: '2' })).toContain('systemd');
    rmSync(join(root, 'pids'), { recursive: true });
    expect(await cg.unsupported({ driver: 'cgroupfs', version: '1' })).toContain('no pids cgroup controller');
  });

  it('hands the pids controller down on cgroup v2', async () => {
    root = mkdtempSync(join(tmpdir(), 'cg-'));
    writeFileSync(join(root, 'cgroup.procs'), '');
    writeFileSync(join(root, 'cgroup.subtree_control'), 'cpu memory');
    mkdirSync(join(root, 'berth-builds'));
    writeFileSync(join(root, 'berth-builds', 'cgroup.subtree_control'), '');
    const cg = new BuildCgroups({ root, prefix: 'berthx' });
    expect(await cg.unsupported({ driver: 'cgroupfs', version: '2' })).toBeUndefined();
    expect(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+pids');
  });

  it('sweeps only its own empty leftovers', async () => {
    const cg = new BuildCgroups({ root: v1(), prefix: 'berthx' });
    for (const n of ['berthx-aaa', 'other-bbb']) mkdirSync(join(root, 'pids', 'berth-builds', n), { recursive: true });
    expect(await cg.sweep('1')).toBe(1);
    expect(existsSync(join(root, 'pids', 'berth-builds', 'berthx-aaa'))).toBe(false);
    expect(existsSync(join(root, 'pids', 'berth-builds', 'other-bbb'))).toBe(true);
  });
});
