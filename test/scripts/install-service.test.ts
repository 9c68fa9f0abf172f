// The systemd unit scripts/install-service installs, checked by systemd's own verifier: this
// host has no systemd as PID 1 (a container), so the service itself cannot be started here;
// what can be checked is that systemd accepts every line of the rendered unit and finds the
// program it starts.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, removeDir } from '../helpers/berth.js';

const run = promisify(execFile);
const rendered = async () => (await run('bash', [join(ROOT, 'scripts', 'install-service'), '--print'], { cwd: ROOT })).stdout;
const dir = mkdtempSync(join(tmpdir(), 'berth-unit-'));
afterAll(() => removeDir(dir));

describe('the systemd unit (systemd-analyze verify; systemd is not PID 1 here)', () => {
  it('renders with this clone and this node, and systemd accepts every line of it', async () => {
    const unit = await rendered();
    expect(unit).toMatch(new RegExp(`^ExecStart=/\\S*node ${join(ROOT, 'bin', 'berth')} server$`, 'm'));
    expect(unit).not.toMatch(/@(NODE|ROOT)@/);
    const file = join(dir, 'berth.service');
    writeFileSync(file, unit);
    // verify prints a line for each unknown key, bad value or missing program; nothing when all is well.
    const r = await run('systemd-analyze', ['verify', file]).then(
      (x) => ({ code: 0, out: x.stdout + x.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(r.out.trim(), r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('would name a misspelt setting (the check is not blind)', async () => {
    const bad = join(dir, 'bad.service');
    writeFileSync(bad, (await rendered()).replace('ProtectClock=true', 'ProtectClok=true'));
    const r = await run('systemd-analyze', ['verify', bad]).then((x) => x.stdout + x.stderr, (e: { stdout: string; stderr: string }) => e.stdout + e.stderr);
    expect(r).toContain("Unknown key 'ProtectClok'");
  });
});
