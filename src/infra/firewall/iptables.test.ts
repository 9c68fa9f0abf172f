import { describe, expect, it } from 'vitest';
import { IptablesFirewall, linkLocalRules, ruleArgs, type Exec, type Rule } from './iptables.js';

const TAIL = ['-d', '169.254.0.0/16', '-m', 'comment', '--comment', 'berth-link-local', '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited'];

describe('linkLocalRules', () => {
  it('covers forwarded and host-bound traffic from the default bridge and every user-defined bridge', () => {
    expect(linkLocalRules()).toEqual([
      { chain: 'DOCKER-USER', spec: ['-i', 'docker0', ...TAIL] },
      { chain: 'DOCKER-USER', spec: ['-i', 'br-+', ...TAIL] },
      { chain: 'INPUT', spec: ['-i', 'docker0', ...TAIL] },
      { chain: 'INPUT', spec: ['-i', 'br-+', ...TAIL] },
    ]);
  });
});

describe('ruleArgs', () => {
  const rule: Rule = { chain: 'DOCKER-USER', spec: ['-i', 'br-+', ...TAIL] };
  it.each([
    ['check', '-C'],
    ['insert', '-I'],
    ['delete', '-D'],
  ] as const)('%s is iptables %s on the filter table, waiting for the xtables lock', (op, flag) => {
    expect(ruleArgs(op, rule)).toEqual(['-w', '5', '-t', 'filter', flag, 'DOCKER-USER', '-i', 'br-+', ...TAIL]);
  });
});

/** A fake iptables: a set of present rules (as joined argument strings) and chains. */
function fakeIptables(opts: { chains?: string[]; rules?: string[]; failInsert?: boolean } = {}) {
  const chains = new Set(opts.chains ?? ['DOCKER-USER']);
  const rules = new Set(opts.rules ?? ['FORWARD -j DOCKER-USER']);
  const calls: string[] = [];
  const exec: Exec = async (_bin, args) => {
    const [, , , , flag, chain, ...spec] = args; // -w 5 -t filter <flag> <chain> ...
    const key = [chain, ...spec].join(' ');
    calls.push(`${flag} ${key}`);
    switch (flag) {
      case '-S':
        return { code: chains.has(chain!) ? 0 : 1, stderr: '' };
      case '-N':
        chains.add(chain!);
        return { code: 0, stderr: '' };
      case '-C':
        return { code: rules.has(key) ? 0 : 1, stderr: 'Bad rule' };
      case '-I':
        if (opts.failInsert) return { code: 4, stderr: "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n" };
        rules.add(key);
        return { code: 0, stderr: '' };
      case '-D':
        rules.delete(key);
        return { code: 0, stderr: '' };
      default:
        return { code: 2, stderr: 'unexpected' };
    }
  };
  return { exec, calls, rules, chains };
}

describe('IptablesFirewall', () => {
  it('inserts the missing rules once and then finds them in place', async () => {
    const fake = fakeIptables();
    const fw = new IptablesFirewall({ exec: fake.exec });
    expect(await fw.ensureLinkLocalBlocked()).toEqual({ installed: true });
    expect(fake.calls.filter((c) => c.startsWith('-I'))).toHaveLength(4);
    fake.calls.length = 0;
    expect(await fw.ensureLinkLocalBlocked()).toEqual({ installed: false });
    expect(fake.calls.filter((c) => !c.startsWith('-C') && !c.startsWith('-S'))).toEqual([]);
  });

  it('puts back only the rule that went missing', async () => {
    const fake = fakeIptables();
    const fw = new IptablesFirewall({ exec: fake.exec });
    await fw.ensureLinkLocalBlocked();
    fake.rules.delete(['INPUT', '-i', 'br-+', ...TAIL].join(' '));
    fake.calls.length = 0;
    expect(await fw.ensureLinkLocalBlocked()).toEqual({ installed: true });
    expect(fake.calls.filter((c) => c.startsWith('-I'))).toEqual([`-I INPUT -i br-+ ${TAIL.join(' ')}`]);
  });

  it('creates DOCKER-USER and its jump from FORWARD when dockerd has not', async () => {
    const fake = fakeIptables({ chains: [], rules: [] });
    await new IptablesFirewall({ exec: fake.exec }).ensureLinkLocalBlocked();
    expect(fake.calls.slice(0, 4)).toEqual(['-S DOCKER-USER', '-N DOCKER-USER', '-C FORWARD -j DOCKER-USER', '-I FORWARD -j DOCKER-USER']);
  });

  it("fails naming iptables' own words when a rule cannot be inserted", async () => {
    const fake = fakeIptables({ failInsert: true });
    await expect(new IptablesFirewall({ exec: fake.exec }).ensureLinkLocalBlocked()).rejects.toThrow(/exited 4: .*you must be root/);
  });

  it('fails plainly when there is no iptables binary', async () => {
    const fw = new IptablesFirewall({ bin: 'berthtest-no-such-iptables' });
    await expect(fw.ensureLinkLocalBlocked()).rejects.toThrow('berthtest-no-such-iptables not found');
  });

  it('removes every copy of its rules, and says when there were none', async () => {
    const fake = fakeIptables();
    const fw = new IptablesFirewall({ exec: fake.exec });
    await fw.ensureLinkLocalBlocked();
    expect(await fw.removeLinkLocalBlock()).toEqual({ removed: true });
    expect([...fake.rules]).toEqual(['FORWARD -j DOCKER-USER']);
    expect(await fw.removeLinkLocalBlock()).toEqual({ removed: false });
  });
});
