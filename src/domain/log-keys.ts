// Names of the logs Berth keeps per deployment (infra/logs/log-store.ts): shared by the deploy
// pipeline, the runtime logs and clean-up, so it sits below all of them.

/** A deployment's deploy log. */
export const logKey = (deploymentId: number): string => `deployment-${deploymentId}`;

/** The output of a deployment's containers that exited, kept for `berth logs` (processes/app-logs.ts). */
export const exitedOutputKey = (deploymentId: number): string => `${logKey(deploymentId)}-output`;
