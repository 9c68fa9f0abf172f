import { describe, expect, it } from 'vitest';
import { backoffMs, BACKOFF_BASE_MS, BACKOFF_MAX_MS } from './tls-watch.js';

describe('backing off after certificate failures', () => {
  it('waits 5 minutes, doubling with each failure in a row, at most 6 hours', () => {
    expect([1, 2, 3].map((n) => backoffMs(n))).toEqual([BACKOFF_BASE_MS, 2 * BACKOFF_BASE_MS, 4 * BACKOFF_BASE_MS]);
    expect(backoffMs(50)).toBe(BACKOFF_MAX_MS);
    expect(BACKOFF_BASE_MS).toBe(300_000);
  });
});
