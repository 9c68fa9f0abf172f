import { describe, expect, it } from 'vitest';
import { ago, table } from './output.js';

describe('table', () => {
  it('aligns columns and shows missing values as -', () => {
    expect(table(['NAME', 'STATUS'], [['web', 'running'], ['api-long', null]])).toBe('NAME      STATUS\nweb       running\napi-long  -');
  });
});

describe('ago', () => {
  it('speaks in the largest whole unit', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(ago('2026-01-01T11:59:30Z', now)).toBe('30s ago');
    expect(ago('2026-01-01T10:00:00Z', now)).toBe('2h ago');
    expect(ago(null, now)).toBe('-');
  });
});
