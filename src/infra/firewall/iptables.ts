// The only door to the host's packet filter: the iptables binary through execFile with argument
// arrays. It keeps containers on Docker bridges away from link-local addresses (cloud metadata).
import { execFile } from 'node:child_process';
import { Failed } from '../../errors.js';

/** The comment every Berth rule carries, so a person reading `iptables -S` knows whose it is. */
export const LINK_LOCAL_TAG = 'berth-link-local';
export const LINK_LOCAL = '169.254.0.0/16';
/** Docker's default bridge and every user-defined bridge network (br-<id>): Berth's owner networks among them. */
export const BRIDGE_INTERFACES = ['docker0', 'br-+'] as const;

/**
 * DOCKER-USER: what a container sends through the host to a link-local address (the cloud's
 * metadata service); Docker jumps to it from FORWARD before its own accepts. INPUT: a
 * link-local address the host itself owns, which the container reaches without forwarding.
 */
export type Chain = 'DOCKER-USER' | 'INPUT';

export interface Rule {
  chain: Chain;
  /** The match and target, as `iptables -C/-I/-D <chain>` takes them. */
  spec: string[];
}

// Wait for the xtables lock (the legacy backend; dockerd takes it too) rather than fail.
const WAIT = ['-w', '5'];
const OP_FLAG = { check: '-C', insert: '-I', delete: '-D' } as const;
export type RuleOp = keyof typeof OP_FLAG;

/** The rules that keep bridge traffic from link-local addresses; REJECT so an app fails at once instead of hanging. */
export function linkLocalRules(): Rule[] {
  return (['DOCKER-USER', 'INPUT'] as const).flatMap((chain) =>
    BRIDGE_INTERFACES.map((iface) => ({
      chain,
      spec: ['-i', iface, '-d', LINK_LOCAL, '-m', 'comment', '--comment', LINK_LOCAL_TAG, '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited'],
    })),
  );
}

/** The argument vector for checking, inserting (at the top of the chain) or deleting one rule. */
export function ruleArgs(op: RuleOp, rule: Rule): string[] {
  return [...WAIT, '-t', 'filter', OP_FLAG[op], rule.chain, ...rule.spec];
}

/** iptables ran and exited: its exit code and standard error. */
export interface ExecResult {
  code: number;
  stderr: string;
}
export type Exec = (bin: string, args: string[]) => Promise<ExecResult>;

const execIptables: Exec = (bin, args) =>
  new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 15_000, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' } }, (err, _stdout, stderr) => {
      if (!err) return resolve({ code: 0, stderr });
      if (typeof err.code === 'number') return resolve({ code: err.code, stderr });
      // Not started (ENOENT: no iptables) or killed by the timeout.
      reject(Failed(err.code === 'ENOENT' ? `${bin} not found` : `${bin} did not finish: ${err.message}`, { cause: err }));
    });
  });

/** Host-wide rules through iptables (whichever backend, nft or legacy, the host's `iptables` is: the one dockerd uses). */
export class IptablesFirewall {
  private readonly bin: string;
  private readonly exec: Exec;

  constructor(opts: { bin?: string; exec?: Exec } = {}) {
    this.bin = opts.bin ?? 'iptables';
    this.exec = opts.exec ?? execIptables;
  }

  /** Installs every link-local rule that is missing; `installed` says whether any was. Idempotent. */
  async ensureLinkLocalBlocked(): Promise<{ installed: boolean }> {
    await this.ensureDockerUserChain();
    let installed = false;
    for (const rule of linkLocalRules()) {
      if ((await this.exec(this.bin, ruleArgs('check', rule))).code === 0) continue;
      await this.must(ruleArgs('insert', rule));
      installed = true;
    }
    return { installed };
  }

  /** Deletes Berth's link-local rules (every copy); `removed` says whether there were any. */
  async removeLinkLocalBlock(): Promise<{ removed: boolean }> {
    let removed = false;
    for (const rule of linkLocalRules()) {
      for (let i = 0; i < 10 && (await this.exec(this.bin, ruleArgs('check', rule))).code === 0; i++) {
        await this.must(ruleArgs('delete', rule));
        removed = true;
      }
    }
    return { removed };
  }

  /** Docker creates DOCKER-USER and jumps to it first in FORWARD; before dockerd ever ran, Berth does. */
  private async ensureDockerUserChain(): Promise<void> {
    if ((await this.exec(this.bin, [...WAIT, '-t', 'filter', '-S', 'DOCKER-USER'])).code !== 0) {
      await this.must([...WAIT, '-t', 'filter', '-N', 'DOCKER-USER']);
    }
    if ((await this.exec(this.bin, [...WAIT, '-t', 'filter', '-C', 'FORWARD', '-j', 'DOCKER-USER'])).code !== 0) {
      await this.must([...WAIT, '-t', 'filter', '-I', 'FORWARD', '-j', 'DOCKER-USER']);
    }
  }

  private async must(args: string[]): Promise<void> {
    const r = await this.exec(this.bin, args);
    if (r.code !== 0) {
      throw Failed(`${this.bin} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' ') || 'no output'}`);
    }
  }
}
