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
