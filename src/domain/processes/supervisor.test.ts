import { describe, expect, it } from 'vitest';
import { restartDelayMs } from './supervisor.js';

describe('restartDelayMs', () => {
  it('backs off exponentially from half a second, up to 30 s', () => {
    expect([0, 1, 2, 3, 10].map(restartDelayMs)).toEqual([500, 1000, 2000, 4000, 30_000]);
  });
});
