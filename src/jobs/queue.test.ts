import { describe, expect, it } from 'vitest';
import { JobQueue } from './queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JobQueue', () => {
  it('runs jobs of one app one at a time, in order', async () => {
    const q = new JobQueue(4);
    const seen: string[] = [];
    const job = (name: string, ms: number) => async () => {
      seen.push(`start ${name}`);
      await tick(ms);
      seen.push(`end ${name}`);
    };
    await Promise.all([q.run('a', job('1', 20)), q.run('a', job('2', 1))]);
    expect(seen).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('caps how many jobs run at once across apps', async () => {
    const q = new JobQueue(2);
    let now = 0;
    let peak = 0;
    const job = async () => {
      peak = Math.max(peak, ++now);
      await tick(10);
      now--;
    };
    await Promise.all(['a', 'b', 'c', 'd'].map((k) => q.run(k, job)));
    expect(peak).toBe(2);
  });

  it('keeps going after a failed job', async () => {
    const q = new JobQueue(1);
    await expect(q.run('a', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(q.run('a', async () => 7)).resolves.toBe(7);
    await q.idle();
    expect(q.busy('a')).toBe(false);
  });
});

/** A job that runs until released, recording when it starts. */
function gate(seen: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    fn: async () => {
      seen.push(name);
      await done;
    },
    release,
  };
}

describe('JobQueue shared between owners', () => {
  it("starts another owner's job while one owner's jobs never end", async () => {
    const q = new JobQueue(2);
    const seen: string[] = [];
    const a1 = gate(seen, 'a1');
    const a2 = gate(seen, 'a2');
    const b1 = gate(seen, 'b1');
    const runs = [q.run('app-1', a1.fn, { owner: 'a' }), q.run('app-2', a2.fn, { owner: 'a' }), q.run('app-3', b1.fn, { owner: 'b' })];
    await tick(5);
    // Owner a may hold one of the two slots; b's job takes the other at once.
    expect(seen).toEqual(['a1', 'b1']);
    b1.release();
    a1.release();
    await tick(5);
    expect(seen).toEqual(['a1', 'b1', 'a2']);
    a2.release();
    await Promise.all(runs);
  });

  it('never lets one owner hold every slot, even with no one else waiting', async () => {
    const q = new JobQueue(4);
    let now = 0;
    let peak = 0;
    const job = async () => {
      peak = Math.max(peak, ++now);
      await tick(5);
      now--;
    };
    await Promise.all(['1', '2', '3', '4', '5', '6'].map((k) => q.run(`app-${k}`, job, { owner: 'a' })));
    expect(peak).toBe(2);
  });

  it('hands each freed slot to the next owner in turn, not to the owner that queued most', async () => {
    const q = new JobQueue(2);
    const seen: string[] = [];
    const g = Object.fromEntries(['h', 'x', 'a1', 'a2', 'b1', 'c1'].map((n) => [n, gate(seen, n)]));
    const owner = (name: string) => name.slice(0, 1);
    const runs = [q.run('app-h', g.h!.fn, { owner: 'h' }), q.run('app-x', g.x!.fn, { owner: 'x' })];
    await tick(1);
    // Both slots are taken; a queues two jobs before b and c queue one each.
    for (const n of ['a1', 'a2', 'b1', 'c1']) runs.push(q.run(`app-${n}`, g[n]!.fn, { owner: owner(n) }));
    await tick(1);
    for (const [release, next] of [['x', 'a1'], ['a1', 'b1'], ['b1', 'c1'], ['c1', 'a2']] as const) {
      g[release]!.release();
      await tick(2);
      expect(seen.at(-1)).toBe(next);
    }
    g.a2!.release();
    g.h!.release();
    await Promise.all(runs);
    expect(seen).toEqual(['h', 'x', 'a1', 'b1', 'c1', 'a2']);
  });

  it('still runs jobs of one app in order and one at a time', async () => {
    const q = new JobQueue(4);
    const seen: string[] = [];
    const job = (name: string, ms: number) => async () => {
      seen.push(`start ${name}`);
      await tick(ms);
      seen.push(`end ${name}`);
    };
    await Promise.all([q.run('app-1', job('1', 10), { owner: 'a' }), q.run('app-1', job('2', 1), { owner: 'a' }), q.run('app-2', job('3', 1), { owner: 'b' })]);
    expect(seen.indexOf('end 1')).toBeLessThan(seen.indexOf('start 2'));
    expect(seen.indexOf('start 3')).toBeLessThan(seen.indexOf('end 1'));
  });
});
