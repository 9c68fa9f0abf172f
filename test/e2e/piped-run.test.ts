// Piped one-offs (Scheduler.runPiped, what backups and restores stream through) against the real
// Docker Engine: bytes in and out unchanged, a slow reader holds the container instead of filling
// Berth's memory, exit code and stderr tail, read-only mounts, and abort/timeout/early close
// killing and removing the container. Everything made here carries the label berth.test=piped-run.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageOf } from '../../src/errors.js';
import { dockerEngine } from '../../src/infra/docker/engine.js';
import type { ContainerSpec } from '../../src/infra/docker/types.js';
import { docker, TEST } from '../helpers/berth.js';

const LABEL = { 'berth.test': 'piped-run' };
const IMAGE = 'berth/base:bookworm';
const VOLUME = `${TEST.prefix}-piped-run-ro`;
const engine = dockerEngine('/var/run/docker.sock').containers;
let seq = 0;

const spec = (cmd: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
  name: `${TEST.prefix}-piped-${process.pid}-${++seq}`,
  image: IMAGE,
  env: {},
  labels: LABEL,
  network: 'none',
  memoryMb: 256,
  cpus: 1,
  pidsLimit: 64,
  logDriver: 'none',
  cmd,
  ...extra,
});

/** Ids of this suite's containers, in any state. */
const ours = async (): Promise<string[]> => (await docker('ps', '-aq', '--filter', 'label=berth.test=piped-run')).stdout.split('\n').filter(Boolean);

async function removeOurs(): Promise<void> {
  const ids = await ours();
  if (ids.length > 0) await docker('rm', '-f', ...ids);
  await docker('volume', 'rm', '-f', VOLUME);
}

/** Reads a stream to its end: byte count and sha256. */
async function drain(s: Readable): Promise<{ bytes: number; sha256: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of s) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: h.digest('hex') };
}

beforeAll(removeOurs);
afterAll(removeOurs);

describe('piped one-off containers', () => {
  it('passes 64 MiB of random bytes through cat unchanged', async () => {
    const h = createHash('sha256');
    let sent = 0;
    const stdin = new Readable({
      read() {
        if (sent >= 64) return void this.push(null);
        const chunk = randomBytes(1024 * 1024);
        h.update(chunk);
        sent++;
        this.push(chunk);
      },
    });
    const run = await engine.runPiped(spec(['cat']), { stdin, timeoutMs: 120_000 });
    const out = await drain(run.stdout);
    expect(await run.done).toEqual({ code: 0, stderr: '' });
    expect(out.bytes).toBe(64 * 1024 * 1024);
    expect(out.sha256).toBe(h.digest('hex'));
    expect(await ours()).toEqual([]);
  });

  it('holds a container whose reader is slow instead of buffering its output in memory', async () => {
    const size = 256 * 1024 * 1024;
    const run = await engine.runPiped(spec(['head', '-c', String(size), '/dev/zero']), { timeoutMs: 120_000 });
    // dockerd keeps no copy of the output either.
    const [id] = await ours();
    expect((await docker('inspect', '--format', '{{.HostConfig.LogConfig.Type}}', id!)).stdout.trim()).toBe('none');
    const before = process.memoryUsage().rss;
    let bytes = 0;
    // Read one chunk, then stop reading (paused in the same tick, so nothing flows past unread).
    await new Promise<void>((resolve) =>
      run.stdout.once('data', (c: Buffer) => {
        bytes += c.length;
        run.stdout.pause();
        resolve();
      }),
    );
    // Long enough for the whole output to arrive if nothing held it back.
    await sleep(3000);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
    expect((await docker('inspect', '--format', '{{.State.Running}}', id!)).stdout.trim()).toBe('true');
    bytes += (await drain(run.stdout)).bytes;
    expect(bytes).toBe(size);
    expect((await run.done).code).toBe(0);
  });

  it('reports the exit code and the end of stderr', async () => {
    const run = await engine.runPiped(spec(['sh', '-c', 'echo oops >&2; exit 3']), { timeoutMs: 60_000 });
    expect((await drain(run.stdout)).bytes).toBe(0);
    expect(await run.done).toEqual({ code: 3, stderr: 'oops\n' });
  });

  it('refuses writes to a volume mounted read-only, and allows them otherwise', async () => {
    await engine.ensureVolume(VOLUME, LABEL);
    const write = ['sh', '-c', 'echo data > /data/file && cat /data/file'];
    const ro = await engine.runPiped(spec(write, { mounts: [{ volume: VOLUME, target: '/data', readOnly: true }] }), { timeoutMs: 60_000 });
    await drain(ro.stdout);
    const refused = await ro.done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Read-only file system/);
    const rw = await engine.runPiped(spec(write, { mounts: [{ volume: VOLUME, target: '/data' }] }), { timeoutMs: 60_000 });
    expect((await drain(rw.stdout)).bytes).toBe(5);
    expect((await rw.done).code).toBe(0);
  });

  it('kills and removes the container when aborted, failing its output', async () => {
    const ac = new AbortController();
    const run = await engine.runPiped(spec(['sleep', '300']), { signal: ac.signal, timeoutMs: 120_000 });
    const out = drain(run.stdout).catch((e: Error) => e);
    expect(await ours()).toHaveLength(1);
    ac.abort();
    await expect(run.done).rejects.toThrow(/was aborted/);
    expect(messageOf(await out)).toMatch(/was aborted/);
    expect(await ours()).toEqual([]);
  });

  it('kills and removes the container after its time is up', async () => {
    const run = await engine.runPiped(spec(['sleep', '300']), { timeoutMs: 1500 });
    const out = drain(run.stdout).catch((e: Error) => e);
    await expect(run.done).rejects.toThrow(/did not finish within/);
    expect(messageOf(await out)).toMatch(/did not finish within/);
    expect(await ours()).toEqual([]);
  });

  it('kills and removes the container when its reader stops early', async () => {
    const run = await engine.runPiped(spec(['head', '-c', String(512 * 1024 * 1024), '/dev/zero']), { timeoutMs: 120_000 });
    await new Promise<void>((resolve) => run.stdout.once('data', () => resolve()));
    run.stdout.destroy();
    await expect(run.done).rejects.toThrow(/stopped before its end/);
    expect(await ours()).toEqual([]);
  });

  it('reports the exit code of a container that stops reading its input early', async () => {
    const stdin = new Readable({
      read() {
        this.push(Buffer.alloc(1024 * 1024, 2));
      },
    });
    const run = await engine.runPiped(spec(['sh', '-c', 'head -c 10 >/dev/null; echo gave up >&2; exit 4']), { stdin, timeoutMs: 60_000 });
    await drain(run.stdout);
    expect(await run.done).toEqual({ code: 4, stderr: 'gave up\n' });
    stdin.destroy();
    expect(await ours()).toEqual([]);
  });

  it('kills the container rather than give it EOF when its input fails', async () => {
    let n = 0;
    const stdin = new Readable({
      read() {
        if (++n > 3) return void this.destroy(new Error('decryption failed'));
        this.push(Buffer.alloc(64 * 1024, 1));
      },
    });
    // wc would print a count (and exit 0) on EOF: a failed input must not look like a short one.
    const run = await engine.runPiped(spec(['wc', '-c']), { stdin, timeoutMs: 60_000 });
    const out = drain(run.stdout).catch((e: Error) => e);
    await expect(run.done).rejects.toThrow(/input .* failed: decryption failed/);
    expect(await out).toBeInstanceOf(Error);
    expect(await ours()).toEqual([]);
  });
});
