// What a deploy is made from, and where its upload and log live: shared by the service that
// starts deploys and the runner that carries them out.
import { join } from 'node:path';
import type { Deps } from '../context.js';

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
      /** Process commands of the release being re-deployed (else: web runs the image's CMD). */
      processes?: Record<string, string>;
      /** A restart: the same release in new containers, recorded without a new version. */
      restartOf?: number;
    }
) & {
  /** Set by startDeploy from StartDeployParams.localSources (whatever a caller put here): lifts source-policy.ts for this job. */
  localSources?: boolean;
};

export const logKey = (deploymentId: number): string => `deployment-${deploymentId}`;
export const uploadPath = (deps: Deps, buildId: number): string => join(deps.config.dataDir, 'uploads', `build-${buildId}.tar.gz`);
