// What a deploy is made from, and where its upload and log live: shared by the service that
// starts deploys and the runner that carries them out.
import { join } from 'node:path';
import type { Deps } from '../context.js';
import type { ReleaseSpec } from '../../infra/db/rows.js';
import type { Processes } from '../apps/procfile.js';
import type { SettingsChange } from '../apps/release-spec.js';

export type DeploySource = (
  | { kind: 'upload'; file: string; /** What the tarball is, e.g. "git push <sha>". */ label?: string }
  /** `url` may carry a user and password: it lives only here, in memory, for the clone; what is stored or shown is redacted. */
  | { kind: 'git'; url: string; ref: string }
  | {
      kind: 'image';
      image: string;
      /** Config vars to release with, instead of the current ones (config changes, rollbacks). */
      config?: Record<string, string>;
      /** What the release says it is, e.g. "rollback to v3". */
      note?: string;
      /** The whole spec to run it with (rollbacks, promotions), else the app's spec when the job runs ... */
      spec?: ReleaseSpec;
      /** ... with these processes (config changes, restarts; else web = the image's CMD) ... */
      processes?: Processes;
      /** ... and this settings change applied (`berth settings`). */
      settings?: SettingsChange;
      /** A restart: the same release in new containers, recorded without a new version. */
      restartOf?: number;
    }
) & {
  /** Set by startDeploy from StartDeployParams.localSources (whatever a caller put here): lifts source-policy.ts for this job. */
  localSources?: boolean;
};

export const uploadPath = (deps: Deps, buildId: number): string => join(deps.config.dataDir, 'uploads', `build-${buildId}.tar.gz`);
