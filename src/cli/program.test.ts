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

describe('errors under --json', () => {
  it('are one JSON object on standard error, shaped like the API’s', async () => {
    const { reportError, jsonWanted } = await import('./program.js');
    const { NotFound } = await import('../errors.js');
    const lines: string[] = [];
    const code = reportError(NotFound('app shop not found', { hint: 'berth apps lists them' }), { err: (t) => lines.push(t) }, true);
    expect(code).toBe(3);
    expect(JSON.parse(lines.join(''))).toEqual({ error: { code: 'not_found', message: 'app shop not found', hint: 'berth apps lists them' } });
    expect(jsonWanted(['status', 'shop', '--json'])).toBe(true);
    expect(jsonWanted(['run', 'shop', '--', 'tool', '--json'])).toBe(false);
  });
});

describe('berth run passes everything after the app to the command', () => {
  it.each([
    [['run', 'shop', 'node', '-v'], ['node', '-v']],
    [['run', 'shop', 'ls', '-la', '--json'], ['ls', '-la', '--json']],
    [['run', 'shop', '--', 'node', '--version'], ['node', '--version']],
    [['run', 'shop', 'echo', '--', 'x'], ['echo', '--', 'x']],
  ])('berth %j', async (args, command) => {
    const program = await buildProgram(ctx, args);
    let got: unknown;
    program.commands.find((c) => c.name() === 'run')!.action((app: string, cmd: string[]) => {
      got = [app, cmd];
    });
    const { withRunSeparator } = await import('./infer-app.js');
    await program.parseAsync(withRunSeparator(program, args), { from: 'user' });
    expect(got).toEqual(['shop', command]);
  });
});
