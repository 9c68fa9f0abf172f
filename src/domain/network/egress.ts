// Keeps app containers away from link-local addresses (169.254.0.0/16: a cloud VM's instance
// metadata and credentials): the block is ensured at start and re-checked while Berth runs.
import { messageOf, Unavailable } from '../../errors.js';
import type { Logger } from '../context.js';

/** What the domain needs of the host's packet filter (infra/firewall/iptables.ts). */
export interface Firewall {
  /** Installs whatever part of the block is missing; `installed` is true when something was. */
  ensureLinkLocalBlocked(): Promise<{ installed: boolean }>;
  /** Takes Berth's block away again; `removed` is true when there was one. */
  removeLinkLocalBlock(): Promise<{ removed: boolean }>;
}

/** How often the block is checked: a dockerd restart or a firewall reload can take it away. */
export const RECHECK_MS = 60_000;

export interface LinkLocalGuard {
  stop(): void;
}

export interface GuardParams {
  firewall: Firewall;
  logger: Logger;
  /** BERTH_ALLOW_LINK_LOCAL: the operator wants containers to reach link-local addresses. */
  allowLinkLocal: boolean;
  intervalMs?: number;
}

/**
 * Blocks link-local addresses before any container starts and puts the block back whenever it
 * goes missing. Throws Unavailable when the block cannot be installed: Berth does not start
 * without it unless the operator allowed link-local addresses.
 */
export async function guardLinkLocal(p: GuardParams): Promise<LinkLocalGuard> {
  if (p.allowLinkLocal) {
    // Allowed means allowed: a block an earlier start installed would otherwise stay.
    try {
      const { removed } = await p.firewall.removeLinkLocalBlock();
      if (removed) p.logger.info('removed the link-local block an earlier start installed');
    } catch (e) {
      p.logger.warn({ err: messageOf(e) }, 'could not check for an earlier link-local block');
    }
    p.logger.warn('BERTH_ALLOW_LINK_LOCAL=true: app containers can reach link-local addresses (169.254.0.0/16), a cloud VM\'s instance metadata and credentials among them');
    return { stop() {} };
  }
  try {
    const { installed } = await p.firewall.ensureLinkLocalBlocked();
    p.logger.info(installed ? 'installed the link-local block for app containers' : 'the link-local block for app containers is in place');
  } catch (e) {
    p.logger.error({ err: messageOf(e) }, 'cannot block app containers from link-local addresses');
    throw Unavailable(`cannot block app containers from link-local addresses (169.254.0.0/16, a cloud VM's instance metadata): ${messageOf(e)}`, {
      hint: 'run Berth as root on a host with iptables (scripts/setup-host), or set BERTH_ALLOW_LINK_LOCAL=true to start without the block',
      cause: e,
    });
  }
  let checking = false;
  const recheck = async () => {
    if (checking) return;
    checking = true;
    try {
      const { installed } = await p.firewall.ensureLinkLocalBlocked();
      if (installed) p.logger.warn('the link-local block for app containers was missing (a dockerd restart or a firewall reload?); put it back');
    } catch (e) {
      p.logger.error({ err: messageOf(e) }, 'cannot re-check the link-local block for app containers');
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void recheck(), p.intervalMs ?? RECHECK_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
