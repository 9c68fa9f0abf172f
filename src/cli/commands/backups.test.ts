import { describe, expect, it } from 'vitest';
import type { CliContext } from '../context.js';
import { buildProgram } from '../program.js';
import { drillCell, drillLine, size } from './backups.js';

describe('berth backups output', () => {
  it('shows sizes as the rest of berth does (powers of 1024), a dash for none', () => {
    expect([size(null), size(512), size(1536), size(50 * 1024 * 1024)]).toEqual(['-', '512 B', '1.5 KB', '50.0 MB']);
  });

  it('sums a drill up in one cell: ok with its summary, or failed with why', () => {
    const at = '2026-11-24T03:00:00.000Z';
    expect(drillCell(null)).toBe('-');
    expect(drillCell({ status: 'ok', at, lines: [], summary: '3 tables', error: null })).toBe('ok 3 tables');
    expect(drillCell({ status: 'failed', at, lines: [], summary: '1 of 3 differ', error: 'notes: 3 != 2' })).toBe('failed: notes: 3 != 2');
  });

  it('writes each table of a drill as expected against restored', () => {
    expect(drillLine({ table: 'notes', expected: 3, restored: 3 })).toBe('notes: 3 = 3');
    expect(drillLine({ table: 'users', expected: 5, restored: 4 })).toBe('users: 5 != 4');
    expect(drillLine({ table: 'gone', expected: 2, restored: null })).toBe('gone: 2 != ?');
  });
});

describe('berth backups restore', () => {
  it('refuses without --yes, saying what would be overwritten, before asking the server anything', async () => {
    const ctx = { client: () => { throw new Error('no request may be sent'); }, out: () => {}, err: () => {}, ops: {} } as unknown as CliContext;
    const run = async (args: string[]) => (await buildProgram(ctx, args)).parseAsync(args, { from: 'user' });
    await expect(run(['backups', 'restore', 'pg-1'])).rejects.toThrow('restoring replaces all data in add-on pg-1 with the newest ok backup of pg-1 (a safety backup of the current data is taken first)');
    await expect(run(['backups', 'restore', 'shop:data', '--backup', 'b7', '--no-safety-backup'])).rejects.toThrow(
      'restoring replaces every file in volume shop:data with backup b7, and --no-safety-backup keeps no copy of it',
    );
  });
});
