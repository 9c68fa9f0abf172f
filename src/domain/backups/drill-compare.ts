// A restore drill's verdict: the exact row counts taken with the dump against those of the
// restored copy, table by table. Pure: the drill runner takes the counts.

export interface DrillLine {
  table: string;
  /** Rows at backup time; null: the table was not in the backup. */
  expected: number | null;
  /** Rows after the restore; null: the table is missing from the restored copy. */
  restored: number | null;
}

export interface DrillComparison {
  ok: boolean;
  /** Every table of either side, by name. */
  lines: DrillLine[];
  /** One line for events and notifications. */
  summary: string;
}

/** How many problems the summary names before "and N more" (it goes into one notification line). */
const SUMMARY_PROBLEMS = 3;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const lineOk = (l: DrillLine): boolean => l.expected !== null && l.expected === l.restored;

/** What is wrong with one table, e.g. `notes: expected 3, restored 0`. */
function problem(l: DrillLine): string {
  if (l.restored === null) return `${l.table}: expected ${l.expected ?? 0}, missing after the restore`;
  if (l.expected === null) return `${l.table}: not in the backup, restored ${l.restored}`;
  return `${l.table}: expected ${l.expected}, restored ${l.restored}`;
}

/**
 * Compares counts per table. A table missing on either side, or any count that differs,
 * fails the drill: a restore that silently lost a table is what a drill exists to catch.
 */
export function compareCounts(expected: Record<string, number>, restored: Record<string, number>): DrillComparison {
  const has = (o: Record<string, number>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  const tables = [...new Set([...Object.keys(expected), ...Object.keys(restored)])].sort();
  const lines = tables.map((table): DrillLine => ({
    table,
    expected: has(expected, table) ? expected[table]! : null,
    restored: has(restored, table) ? restored[table]! : null,
  }));
  const problems = lines.filter((l) => !lineOk(l));
  if (problems.length === 0) {
    const rows = lines.reduce((n, l) => n + (l.expected ?? 0), 0);
    return { ok: true, lines, summary: `${plural(lines.length, 'table')}, ${plural(rows, 'row')}, all equal` };
  }
  const named = problems.slice(0, SUMMARY_PROBLEMS).map(problem).join('; ');
  const more = problems.length > SUMMARY_PROBLEMS ? `; and ${problems.length - SUMMARY_PROBLEMS} more` : '';
  return { ok: false, lines, summary: named + more };
}

/**
 * A drill of a backup whose counts were never recorded (imported from a destination: the
 * object holds none): nothing to compare, so the restore itself is the proof; ok, saying so.
 */
export function unrecordedCounts(restored: Record<string, number>): DrillComparison {
  const lines = Object.keys(restored)
    .sort()
    .map((table): DrillLine => ({ table, expected: null, restored: restored[table]! }));
  const rows = lines.reduce((n, l) => n + (l.restored ?? 0), 0);
  return { ok: true, lines, summary: `no counts were recorded (imported): restored ${plural(lines.length, 'table')}, ${plural(rows, 'row')}` };
}

/** The lines `berth backups drill` prints, counts aligned: `notes: 3 = 3`, `users: 5 != 0`, `tmp:   - != 2  (not in the backup)`. */
export function formatDrillLines(lines: readonly DrillLine[]): string[] {
  const width = Math.max(0, ...lines.map((l) => l.table.length));
  return lines.map((l) => {
    const e = l.expected === null ? '-' : String(l.expected);
    const r = l.restored === null ? '-' : String(l.restored);
    const verdict = lineOk(l) ? `${e} = ${r}` : `${e} != ${r}`;
    const why = l.expected === null ? '  (not in the backup)' : l.restored === null ? '  (missing after the restore)' : '';
    return `${`${l.table}:`.padEnd(width + 1)} ${verdict}${why}`;
  });
}
