import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_NAMES } from './program.js';
import type { CliContext } from './context.js';

const ctx = { client: () => { throw new Error('no client in this test'); }, out: () => {}, err: () => {}, ops: {} } as unknown as CliContext;
const names = async (args: string[]) => (await buildProgram(ctx, args)).commands.map((c) => c.name());

describe('the CLI loads only the module of the command it runs', () => {
  it('knows every top-level command, so none is missed when loading one module', async () => {
    expect(new Set(await names([]))).toEqual(new Set(COMMAND_NAMES));
  });

  it('registers the named command and its siblings from the same module', async () => {
    expect(await names(['deploy', '.'])).toEqual(['deploy']);
    expect(await names(['status', 'shop', '--json'])).toContain('destroy');
  });

  it('loads every command for help and for names it does not know, so errors list them all', async () => {
    expect((await names(['--help'])).length).toBe(COMMAND_NAMES.length);
    expect((await names(['nope'])).length).toBe(COMMAND_NAMES.length);
    expect(await names(['--version'])).toEqual([]);
  });
});
