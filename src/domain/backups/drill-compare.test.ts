import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCounts, formatDrillLines } from './drill-compare.js';

describe('drill comparison', () => {
  it('passes when every table has the same count, and says how much it checked', () => {
    const c = compareCounts({ notes: 3, users: 1200, tags: 1 }, { tags: 1, users: 1200, notes: 3 });
    expect(c.ok).toBe(true);
    expect(c.summary).toBe('3 tables, 1204 rows, all equal');
    expect(c.lines.map((l) => l.table)).toEqual(['notes', 'tags', 'users']);
    expect(compareCounts({ only: 1 }, { only: 1 }).summary).toBe('1 table, 1 row, all equal');
    expect(compareCounts({}, {})).toEqual({ ok: true, lines: [], summary: '0 tables, 0 rows, all equal' });
  });

  it('fails on a table that came back with fewer (or more) rows', () => {
    const c = compareCounts({ notes: 3, users: 2 }, { notes: 0, users: 2 });
    expect(c.ok).toBe(false);
    expect(c.summary).toBe('notes: expected 3, restored 0');
    expect(compareCounts({ notes: 3 }, { notes: 4 }).ok).toBe(false);
  });

  it('fails on a table missing after the restore, even an empty one, and on one the backup did not have', () => {
    const missing = compareCounts({ notes: 0 }, {});
    expect(missing).toEqual({ ok: false, lines: [{ table: 'notes', expected: 0, restored: null }], summary: 'notes: expected 0, missing after the restore' });
    const extra = compareCounts({}, { tmp: 2 });
    expect(extra.ok).toBe(false);
    expect(extra.summary).toBe('tmp: not in the backup, restored 2');
  });

  it('names the first three problems in the summary and counts the rest', () => {
    const expected = { a: 1, b: 1, c: 1, d: 1, e: 1 };
    const c = compareCounts(expected, { a: 0, b: 0, c: 0, d: 0, e: 1 });
    expect(c.summary).toBe('a: expected 1, restored 0; b: expected 1, restored 0; c: expected 1, restored 0; and 1 more');
  });

  it('does not take names like constructor or __proto__ from the object prototype', () => {
    expect(compareCounts({ constructor: 1 }, {}).ok).toBe(false);
    expect(compareCounts({}, { toString: 1 }).lines).toEqual([{ table: 'toString', expected: null, restored: 1 }]);
    const proto = JSON.parse('{"__proto__": 2}') as Record<string, number>;
    expect(compareCounts(proto, proto).summary).toBe('1 table, 2 rows, all equal');
  });

  it('passes exactly when both sides hold the same tables and counts', () => {
    const counts = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'public.notes'), fc.nat(5));
    fc.assert(
      fc.property(counts, counts, (e, r) => {
        const same = JSON.stringify(Object.entries(e).sort()) === JSON.stringify(Object.entries(r).sort());
        expect(compareCounts(e, r).ok).toBe(same);
        expect(compareCounts(e, e).ok).toBe(true);
      }),
    );
  });
});

describe('drill output', () => {
  it('prints one aligned line per table for the CLI', () => {
    const { lines } = compareCounts({ notes: 3, 'public.users': 5, gone: 1 }, { notes: 3, 'public.users': 0, tmp: 2 });
    expect(formatDrillLines(lines)).toEqual([
      'gone:         1 != -  (missing after the restore)',
      'notes:        3 = 3',
      'public.users: 5 != 0',
      'tmp:          - != 2  (not in the backup)',
    ]);
    expect(formatDrillLines(compareCounts({ notes: 3 }, { notes: 3 }).lines)).toEqual(['notes: 3 = 3']);
    expect(formatDrillLines([])).toEqual([]);
  });
});
