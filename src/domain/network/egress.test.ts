import { afterEach, describe, expect, it, vi } from 'vitest';
import { guardLinkLocal, type Firewall } from './egress.js';

function recordingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (obj: object | string, msg?: string) => lines.push(`${level}: ${typeof obj === 'string' ? obj : `${msg ?? ''} ${JSON.stringify(obj)}`}`);
  return { lines, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

/** A firewall whose block is present or not, and that can be made to fail. */
function fakeFirewall() {
  const state = { present: false, broken: false, ensures: 0, removes: 0 };
  const firewall: Firewall = {
    async ensureLinkLocalBlocked() {
      state.ensures++;
      if (state.broken) throw new Error('iptables not found');
      const installed = !state.present;
      state.present = true;
      return { installed };
    },
    async removeLinkLocalBlock() {
      state.removes++;
      if (state.broken) throw new Error('iptables not found');
      const removed = state.present;
      state.present = false;
      return { removed };
    },
  };
  return { state, firewall };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('guardLinkLocal', () => {
  it('installs the block before it returns', async () => {
    const { state, firewall } = fakeFirewall();
    const { logger, lines } = recordingLogger();
    const guard = await guardLinkLocal({ firewall, logger, allowLinkLocal: false });
    guard.stop();
    expect(state.present).toBe(true);
    expect(lines).toEqual(['info: installed the link-local block for app containers']);
  });

  it('refuses to start, logging why, when the block cannot be installed', async () => {
    const { state, firewall } = fakeFirewall();
    state.broken = true;
    const { logger, lines } = recordingLogger();
    const started = guardLinkLocal({ firewall, logger, allowLinkLocal: false });
    await expect(started).rejects.toThrow('cannot block app containers from link-local addresses (169.254.0.0/16');
    const error = (await started.catch((e: unknown) => e)) as { code: string; hint: string };
    expect(error.code).toBe('unavailable');
    expect(error.hint).toContain('BERTH_ALLOW_LINK_LOCAL=true');
    expect(lines[0]).toMatch(/^error: cannot block app containers .*iptables not found/);
  });

  it('with BERTH_ALLOW_LINK_LOCAL=true starts without the block, taking away an earlier one, even without iptables', async () => {
    const { state, firewall } = fakeFirewall();
    state.present = true;
    const { logger, lines } = recordingLogger();
    (await guardLinkLocal({ firewall, logger, allowLinkLocal: true })).stop();
    expect(state).toMatchObject({ present: false, ensures: 0 });
    expect(lines.at(-1)).toContain('warn: BERTH_ALLOW_LINK_LOCAL=true: app containers can reach link-local addresses');

    state.broken = true;
    await expect(guardLinkLocal({ firewall, logger, allowLinkLocal: true })).resolves.toBeDefined();
  });

  it('puts the block back within a minute when something removed it, with a warning', async () => {
    vi.useFakeTimers();
    const { state, firewall } = fakeFirewall();
    const { logger, lines } = recordingLogger();
    const guard = await guardLinkLocal({ firewall, logger, allowLinkLocal: false });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines).toHaveLength(1); // still in place: nothing to say
    state.present = false; // e.g. dockerd restarted and rebuilt its chains
    await vi.advanceTimersByTimeAsync(60_000);
    expect(state.present).toBe(true);
    expect(lines.at(-1)).toMatch(/^warn: the link-local block for app containers was missing/);
    state.broken = true;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines.at(-1)).toMatch(/^error: cannot re-check the link-local block/);
    guard.stop();
    const ensures = state.ensures;
    await vi.advanceTimersByTimeAsync(180_000);
    expect(state.ensures).toBe(ensures);
  });
});
