// Docker named volumes (local driver): made on first use, listed by label, removed on request.
// What is in them is the app's; this module never reads or changes their contents.
import { Conflict } from '../../errors.js';
import { isNotFound, type Docker } from './common.js';
import type { VolumeInfo } from './types.js';

export class DockerVolumes {
  constructor(private readonly docker: Docker) {}

  /** Creates the volume unless it exists; true when this call created it. */
  async ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
    try {
      await this.docker.getVolume(name).inspect();
      return false;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    // Docker answers a create of an existing local volume with that volume: two racing callers both succeed.
    await this.docker.createVolume({ Name: name, Driver: 'local', Labels: labels });
    return true;
  }

  /** Removes the volume; one that is gone already is fine, one a container still uses is a Conflict. */
  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (e) {
      if (isNotFound(e)) return;
      if ((e as { statusCode?: number }).statusCode === 409) throw Conflict(`volume ${name} is still in use by a container`);
      throw e;
    }
  }

  /** Every volume carrying all the given labels. */
  async listVolumes(labels: Record<string, string>): Promise<VolumeInfo[]> {
    const r = await this.docker.listVolumes({ filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
    return (r.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {}, createdAt: (v as { CreatedAt?: string }).CreatedAt ?? '' }));
  }
}
