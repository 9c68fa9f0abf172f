// Runs a command as on another machine whose DNS knows Berth's names: in a mount namespace of
// its own, a given file stands in for /etc/hosts. Arguments are passed as they are (the shell
// line is fixed; the file and the command are its positional parameters, never parsed).
import { writeFileSync } from 'node:fs';
import { run, type Run } from './berth.js';

/** Writes a hosts file naming each host at 127.0.0.1. */
export function hostsFile(path: string, hosts: string[]): string {
  writeFileSync(path, `127.0.0.1 localhost\n${hosts.map((h) => `127.0.0.1 ${h}`).join('\n')}\n`);
  return path;
}

export function runWithHosts(file: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Run> {
  return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', file, cmd, ...args], opts);
}
