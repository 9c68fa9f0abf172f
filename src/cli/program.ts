// The `berth` command line: one program, one subcommand per file in commands/, and the one
// top-level catch that turns errors into `error: …` / `hint: …` and an exit code.
import { Command, CommanderError } from 'commander';
import { BerthError, type ErrorCode } from '../errors.js';
import { VERSION } from '../version.js';
import { ApiClient } from './client.js';
import { registerApps } from './commands/apps.js';
import { registerDeploy } from './commands/deploy.js';
import { registerGenerate } from './commands/generate.js';
import { registerImages } from './commands/images.js';
import { registerLogs } from './commands/logs.js';
import { registerProcesses } from './commands/processes.js';
import { registerReleases } from './commands/releases.js';
import { registerServer } from './commands/server.js';
import { registerAudit, registerAuth } from './commands/auth.js';
import { registerDomains, registerOwners } from './commands/owners.js';
import { registerUsers } from './commands/users.js';
import { registerGitHook } from './commands/git-hook.js';
import { registerPipelines } from './commands/pipelines.js';
import { serverToken, serverUrl, type CliContext, type HostOps } from './context.js';

export const EXIT_CODES: Record<ErrorCode | 'internal', number> = {
  failed: 1,
  invalid: 2,
  not_found: 3,
  conflict: 4,
  unavailable: 5,
  unauthorized: 6,
  rate_limited: 7,
  forbidden: 6,
  internal: 70,
};

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('berth')
    .description('Berth: deploy source code to routed, health-checked containers on your own server')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError('(run `berth --help` for the commands)')
    .configureOutput({ writeOut: (s) => ctx.out(s.replace(/\n$/, '')), writeErr: (s) => ctx.err(s.replace(/\n$/, '')) })
    .exitOverride();
  registerServer(program, ctx);
  registerImages(program, ctx);
  registerDeploy(program, ctx);
  registerGenerate(program, ctx);
  registerApps(program, ctx);
  registerLogs(program, ctx);
  registerReleases(program, ctx);
  registerProcesses(program, ctx);
  registerAuth(program, ctx);
  registerUsers(program, ctx);
  registerOwners(program, ctx);
  registerDomains(program, ctx);
  registerPipelines(program, ctx);
  registerGitHook(program, ctx);
  registerAudit(program, ctx);
  return program;
}

/** Runs the CLI; sets process.exitCode rather than exiting, so streams flush. */
export async function runCli(argv: string[], ops: HostOps): Promise<void> {
  const ctx: CliContext = {
    client: () => new ApiClient(serverUrl(), serverToken()),
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    ops,
  };
  try {
    await buildProgram(ctx).parseAsync(argv);
  } catch (e) {
    process.exitCode = reportError(e, ctx);
  }
}

/** The CLI's one place that prints errors; returns the exit code. */
export function reportError(e: unknown, ctx: Pick<CliContext, 'err'>): number {
  if (e instanceof CommanderError) {
    // Commander has already printed help, the version, or its usage message.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof BerthError) {
    ctx.err(`error: ${e.message}`);
    if (e.hint) ctx.err(`hint: ${e.hint}`);
    return EXIT_CODES[e.code];
  }
  ctx.err(`error: ${e instanceof Error ? e.message : String(e)}`);
  return EXIT_CODES.internal;
}
