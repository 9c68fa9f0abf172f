import { describe, expect, it } from 'vitest';
import type { CliContext } from './context.js';
import { appSlot, withApp } from './infer-app.js';
import { buildProgram } from './program.js';

const ctx = { client: () => { throw new Error('no client in this test'); }, out: () => {}, err: () => {}, ops: {} } as unknown as CliContext;

/** The command line as the CLI runs it in a folder whose berth.yml names `shop`. */
async function inFolder(line: string): Promise<string> {
  const args = line.split(' ').filter(Boolean);
  const program = await buildProgram(ctx, args);
  return withApp(args, appSlot(program, args), 'shop').join(' ');
}

describe("commands take the app from the folder's berth.yml when the command line leaves it out", () => {
  it.each([
    ['logs', 'logs shop'],
    ['logs -n 50', 'logs -n 50 shop'],
    ['logs -f --tail 5', 'logs -f --tail 5 shop'],
    ['status --json', 'status --json shop'],
    ['releases', 'releases shop'],
    ['restart', 'restart shop'],
    ['rollback', 'rollback shop'],
    ['rollback v3', 'rollback shop v3'],
    ['ps', 'ps shop'],
    ['open', 'open shop'],
    ['scale web=2 worker=1', 'scale shop web=2 worker=1'],
    ['scale', 'scale shop'],
    ['config', 'config shop'],
    ['config --reveal', 'config --reveal shop'],
    ['config set A=1 B=2', 'config set shop A=1 B=2'],
    ['config unset API_KEY', 'config unset shop API_KEY'],
    ['config unset API_KEY OTHER', 'config unset shop API_KEY OTHER'],
    ['run bash', 'run shop bash'],
    ['run -- node -v', 'run shop -- node -v'],
    ['domains', 'domains shop'],
    ['domains add shop.example.com', 'domains add shop shop.example.com'],
    ['webhooks --rotate', 'webhooks --rotate shop'],
    ['preview list', 'preview list shop'],
    ['git-remote', 'git-remote shop'],
    ['settings', 'settings shop'],
    ['settings --json', 'settings --json shop'],
    ['settings set port=8080 health.path=/up', 'settings set shop port=8080 health.path=/up'],
    ['settings unset port memory', 'settings unset shop port memory'],
    ['settings unset health', 'settings unset shop health'],
  ])('berth %s', async (line, expected) => {
    expect(await inFolder(line)).toBe(expected);
  });

  it.each([
    'logs other',
    'logs -n 50 other',
    'status default/other',
    'rollback other',
    'rollback other v3',
    'scale other web=2',
    'config other',
    'config set other A=1',
    'config unset other API_KEY',
    'settings other',
    'settings set other port=8080',
    'settings unset other port',
    'run other node -v',
    'run other -- node -v',
    'domains add other a.example.com',
    'apps',
    'whoami',
    'deploy',
    '--version',
  ])('leaves an app the command line names alone: berth %s', async (line) => {
    expect(await inFolder(line)).toBe(line);
  });

  it('never destroys the folder’s app without its name being typed', async () => {
    expect(await inFolder('destroy')).toBe('destroy');
    expect(await inFolder('destroy --yes')).toBe('destroy --yes');
  });
});
