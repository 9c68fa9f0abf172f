import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogStore } from './log-store.js';

const dirs: string[] = [];
const store = (maxBytes: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-logs-'));
  dirs.push(dir);
  return { dir, logs: new LogStore(dir, { maxBytes }) };
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('LogStore', () => {
  it('keeps a short log whole and replays it to a follower', () => {
    const { logs } = store(64 * 1024);
    logs.open('deploy-1');
    logs.append('deploy-1', 'one');
    logs.append('deploy-1', 'two');
    const seen: string[] = [];
    let ended = false;
    logs.follow('deploy-1', (l) => seen.push(l), () => (ended = true));
    logs.append('deploy-1', 'three');
    logs.close('deploy-1');
    expect(seen).toEqual(['one', 'two', 'three']);
    expect(ended).toBe(true);
    expect(logs.read('deploy-1')).toEqual(['one', 'two', 'three']);
  });

  it('never lets a log that prints without end grow past its cap, keeping the head and the tail and saying the cut', () => {
    const { dir, logs } = store(100_000);
    logs.open('deploy-2');
    logs.append('deploy-2', 'first line');
    for (let i = 0; i < 200_000; i++) logs.append('deploy-2', 'y');
    logs.append('deploy-2', 'error: the last words');
    logs.close('deploy-2');
    expect(statSync(join(dir, 'deploy-2.log')).size).toBeLessThanOrEqual(100_000);
    const lines = logs.read('deploy-2');
    expect(lines[0]).toBe('first line');
    expect(lines.at(-1)).toBe('error: the last words');
    const cut = lines.find((l) => l.startsWith('... '));
    expect(cut).toMatch(/^\.\.\. \d+ lines \(\d+ bytes\) cut \.\.\.$/);
    // Every line is either kept or counted in the cut.
    const [, n] = /^\.\.\. (\d+) lines/.exec(cut!)!;
    expect(lines.length - 1 + Number(n)).toBe(200_002);
  });

  it('gives a follower the cut and the tail when a capped log ends, not every line held back', () => {
    const { logs } = store(10_000);
    logs.open('deploy-3');
    const seen: string[] = [];
    logs.follow('deploy-3', (l) => seen.push(l), () => seen.push('<end>'));
    for (let i = 0; i < 50_000; i++) logs.append('deploy-3', `line ${i}`);
    logs.close('deploy-3');
    expect(seen.length).toBeLessThan(2000);
    expect(seen.at(-2)).toBe('line 49999');
    expect(seen.at(-1)).toBe('<end>');
    expect(seen.some((l) => / lines \(\d+ bytes\) cut/.test(l))).toBe(true);
    expect(logs.read('deploy-3')).toEqual(seen.slice(0, -1));
  });

  it('cuts one endless line', () => {
    const { logs } = store(1_000_000);
    logs.open('deploy-4');
    logs.append('deploy-4', 'x'.repeat(500_000));
    logs.close('deploy-4');
    const [line] = logs.read('deploy-4');
    expect(line!.length).toBeLessThan(20_000);
    expect(line).toContain('[line cut at');
  });

  it('reads a log larger than the cap (written before there was one) as its head and tail only', () => {
    const { dir, logs } = store(10_000);
    writeFileSync(join(dir, 'deploy-5.log'), `${Array.from({ length: 100_000 }, (_, i) => `line ${i}`).join('\n')}\n`);
    const lines = logs.read('deploy-5');
    expect(lines.join('\n').length).toBeLessThanOrEqual(10_000);
    expect(lines[0]).toBe('line 0');
    expect(lines.at(-1)).toBe('line 99999');
    expect(lines.some((l) => /^\.\.\. \d+ bytes cut \.\.\.$/.test(l))).toBe(true);
  });

  it('writes a note to an ended log only while it is under the cap', () => {
    const { dir, logs } = store(1000);
    writeFileSync(join(dir, 'deploy-6.log'), `${'z'.repeat(990)}\n`);
    logs.append('deploy-6', 'a note that does not fit');
    expect(statSync(join(dir, 'deploy-6.log')).size).toBe(991);
  });
});
