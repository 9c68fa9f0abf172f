// The `berth` command line: one program, one subcommand per file in commands/, and the one
// top-level catch that turns errors into `error: …` / `hint: …` and an exit code.
import { Command, CommanderError } from 'commander';
import { BerthError, type ErrorCode } from '../errors.js';
import { VERSION } from '../version.js';
import { ApiClient } from './client.js';
import { serverCaFile, serverToken, serverUrl, type CliContext, type HostOps } from './context.js';
import { folderApp } from './folder-app.js';
import { appSlot, withApp, withRunSeparator } from './infer-app.js';
import { sanitizeTerminal } from './output.js';
import { Cancelled } from './prompt.js';

export const EXIT_CODES: Record<ErrorCode | 'internal', number> = {
  failed: 1,
  invalid: 2,
  too_large: 2,
  not_found: 3,
  conflict: 4,
  unavailable: 5,
  unauthorized: 6,
  rate_limited: 7,
  forbidden: 6,
  internal: 70,
};

type Register = (program: Command, ctx: CliContext) => void;

/**
 * Each subcommand's module, in the order `berth --help` lists them. Only the module of the
 * command being run is loaded (help and unknown commands load all): every deploy waits for the
 * CLI's start-up, and loading all fifteen modules and their libraries costs ~40 ms of it.
 */
const COMMANDS: Array<{ names: string[]; load: () => Promise<Register[]> }> = [
  { names: ['server'], load: async () => [(await import('./commands/server.js')).registerServer] },
  { names: ['images'], load: async () => [(await import('./commands/images.js')).registerImages] },
  { names: ['deploy'], load: async () => [(await import('./commands/deploy.js')).registerDeploy] },
  { names: ['generate'], load: async () => [(await import('./commands/generate.js')).registerGenerate] },
  { names: ['apps', 'create', 'status', 'deployments', 'destroy', 'open'], load: async () => [(await import('./commands/apps.js')).registerApps] },
  { names: ['logs'], load: async () => [(await import('./commands/logs.js')).registerLogs] },
  { names: ['releases', 'rollback', 'restart', 'config'], load: async () => [(await import('./commands/releases.js')).registerReleases] },
  { names: ['settings'], load: async () => [(await import('./commands/settings.js')).registerSettings] },
  { names: ['scale', 'run', 'ps'], load: async () => [(await import('./commands/processes.js')).registerProcesses] },
  { names: ['login', 'whoami', 'tokens'], load: async () => [(await import('./commands/auth.js')).registerAuth] },
  { names: ['users'], load: async () => [(await import('./commands/users.js')).registerUsers] },
  { names: ['owners', 'domains'], load: async () => {
    const m = await import('./commands/owners.js');
    return [m.registerOwners, m.registerDomains];
  } },
  { names: ['git-remote', 'webhooks', 'preview', 'pipeline', 'promote'], load: async () => [(await import('./commands/pipelines.js')).registerPipelines] },
  { names: ['git-hook'], load: async () => [(await import('./commands/git-hook.js')).registerGitHook] },
  { names: ['audit'], load: async () => [(await import('./commands/auth.js')).registerAudit] },
  { names: ['tls'], load: async () => [(await import('./commands/tls.js')).registerTls] },
  { names: ['cron'], load: async () => [(await import('./commands/cron.js')).registerCron] },
  { names: ['notify'], load: async () => [(await import('./commands/notify.js')).registerNotify] },
  { names: ['addons'], load: async () => [(await import('./commands/addons.js')).registerAddons] },
  { names: ['backups'], load: async () => [(await import('./commands/backups.js')).registerBackups] },
];

/** The top-level command names, for tests that check the table against the commands defined. */
export const COMMAND_NAMES = COMMANDS.flatMap((c) => c.names);

/** The program with the subcommand `args` names (all of them when it names none we know). */
export async function buildProgram(ctx: CliContext, args: string[] = []): Promise<Command> {
  const json = jsonWanted(args);
  const program = new Command('berth')
    .description('Berth: deploy source code to routed, health-checked containers on your own server')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError(json ? false : '(run `berth --help` for the commands)')
    .configureOutput({
      writeOut: (s) => ctx.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.err(s.replace(/\n$/, '')),
      // Usage mistakes under --json are JSON too, like every other error.
      outputError: (s, write) => write(json ? jsonError('invalid', s.replace(/^error: /, '').trim()) : s),
    })
    .addHelpText('after', HELP_AFTER)
    .exitOverride();
  const name = args.find((a) => !a.startsWith('-'));
  const one = COMMANDS.find((c) => name !== undefined && c.names.includes(name));
  // `berth --version` needs no command at all.
  const versionOnly = name === undefined && args.some((a) => a === '-v' || a === '--version');
  const registers = versionOnly ? [] : await Promise.all((one ? [one] : COMMANDS).map((c) => c.load()));
  for (const register of registers.flat()) register(program, ctx);
  return program;
}

const HELP_AFTER = `
In a folder whose berth.yml names the app (name:, owner:), commands that take an APP use it when
it is left out: \`berth logs\`, \`berth config set K=V\`, \`berth run -- node -v\`. destroy always needs the name.
With --json, results are JSON on standard output and errors are {"error":{"code","message","hint"}}
on standard error; the exit code tells which (0 ok, 1 failed, 2 invalid, 3 not found, 4 conflict,
5 unavailable, 6 not allowed, 7 rate limited, 130 cancelled).`;

/** Whether the command line asks for JSON (before any `--`, after which words are a command's). */
export function jsonWanted(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

const jsonError = (code: string, message: string, hint?: string) => JSON.stringify({ error: { code, message, ...(hint ? { hint } : {}) } });

/** Runs the CLI; sets process.exitCode rather than exiting, so streams flush. */
export async function runCli(argv: string[], ops: HostOps): Promise<void> {
  const ctx: CliContext = {
    client: () => new ApiClient(serverUrl(), serverToken(), serverCaFile()),
    // Everything the CLI prints passes here: app output, build logs, server messages and errors
    // carry tenants' text, which must not drive the admin's terminal. `--json` output stays
    // valid: JSON.stringify escapes C0 controls; DEL and C1 inside its strings are dropped.
    out: (t) => process.stdout.write(`${sanitizeTerminal(t)}\n`),
    err: (t) => process.stderr.write(`${sanitizeTerminal(t)}\n`),
    ops,
  };
  const args = argv.slice(2);
  if (args.find((a) => !a.startsWith('-')) !== 'server') quietOnClosedPipe();
  const json = jsonWanted(args);
  try {
    const program = await buildProgram(ctx, args);
    // Plain `berth`: what it can do, and no error.
    if (args.length === 0) return program.outputHelp();
    const slot = appSlot(program, args);
    const app = slot === undefined ? undefined : await folderApp(process.cwd());
    await program.parseAsync(withRunSeparator(program, app === undefined ? args : withApp(args, slot, app)), { from: 'user' });
  } catch (e) {
    process.exitCode = reportError(e, ctx, json);
  }
}

/**
 * `berth apps | head -1`: the reader may leave before the CLI has written everything, and the
 * next write fails with EPIPE. Nobody is left to read the rest: stop quietly (no stack trace),
 * with the exit code the command had so far. The server keeps Node's default: it is no pipe's.
 */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      // Any other failure to write: nothing can be printed about it either.
      process.exit(EXIT_CODES.internal);
    });
  }
}

/**
 * The CLI's one place that prints errors; returns the exit code. Under --json the error is one
 * line of JSON on standard error, shaped like the API's: {"error":{"code","message","hint"}}.
 */
export function reportError(e: unknown, ctx: Pick<CliContext, 'err'>, json = false): number {
  if (e instanceof CommanderError) {
    // Commander has already printed help, the version, or its usage message.
    return e.exitCode === 0 ? 0 : 2;
  }
  const { code, message, hint, exit } =
    e instanceof BerthError
      ? { code: e.code, message: e.message, hint: e.hint, exit: EXIT_CODES[e.code] }
      : e instanceof Cancelled
        ? { code: 'cancelled', message: 'cancelled; nothing was changed', hint: undefined, exit: 130 }
        : { code: 'internal', message: e instanceof Error ? e.message : String(e), hint: undefined, exit: EXIT_CODES.internal };
  if (json) {
    ctx.err(jsonError(code, message, hint));
  } else {
    ctx.err(`error: ${message}`);
    if (hint) ctx.err(`hint: ${hint}`);
  }
  return exit;
}
