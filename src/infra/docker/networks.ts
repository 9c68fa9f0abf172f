// Docker networks: each owner's bridge (a /24 of Berth's pool) is created on first use.
import { Unavailable, messageOf } from '../../errors.js';
import { isNotFound, type Docker } from './common.js';
import { pickSubnet } from './subnets.js';

export class DockerNetworks {
  constructor(private readonly docker: Docker) {}

  /** Networks seen to exist: every container start would otherwise ask again. */
  private readonly knownNetworks = new Set<string>();

  /**
   * Creates the bridge network unless it exists. With a pool, its subnet is the first /24 of
   * the pool no other network on the engine uses (Docker's own pools run out at about 30).
   */
  async ensureNetwork(name: string, labels: Record<string, string>, subnetPool?: string): Promise<void> {
    if (this.knownNetworks.has(name)) return;
    for (let attempt = 1; ; attempt++) {
      const all = await this.docker.listNetworks();
      if (all.some((n) => n.Name === name)) break;
      let ipam: NonNullable<Parameters<Docker['createNetwork']>[0]>['IPAM'];
      if (subnetPool) {
        const used = all.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
        const picked = pickSubnet(subnetPool, used);
        if (!picked) throw Unavailable(`no free /24 left in the subnet pool ${subnetPool} for network ${name}`, { hint: 'set BERTH_SUBNET_POOL to a larger range' });
        ipam = { Driver: 'default', Config: [{ Subnet: picked.subnet, Gateway: picked.gateway }] };
      }
      try {
        await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true, ...(ipam ? { IPAM: ipam } : {}) });
        break;
      } catch (e) {
        // Two deploys of one owner may race to create it (the loser finds it there), or to
        // take one subnet (the loser picks the next).
        if ((e as { statusCode?: number }).statusCode === 409) break;
        if (attempt < 3 && /overlap/i.test(messageOf(e))) continue;
        throw e;
      }
    }
    this.knownNetworks.add(name);
  }

  /** Removes a network; one that is gone already is fine. */
  async removeNetwork(name: string): Promise<void> {
    this.knownNetworks.delete(name);
    try {
      await this.docker.getNetwork(name).remove();
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** A network a container could not join is asked about again next time (removed behind Berth's back). */
  forget(name: string): void {
    this.knownNetworks.delete(name);
  }
}
