// The containers of a release: one per process instance (web.1, web.2, worker.1 ...), all
// unprivileged and limited; web ones are health-checked and routed, others must stay up.
import { Failed, messageOf } from '../../errors.js';
import type { AppRow } from '../../infra/db/rows.js';
import type { HealthCheck } from '../apps/manifest.js';
import { type Processes, processTypes, quantityOf } from '../apps/procfile.js';
import { startArgv } from '../apps/start-command.js';
import { LABELS, type Deps } from '../context.js';
import { probe } from '../health/probe.js';
import { logOutputTail } from '../health/startup-checks.js';
import { keepExitedOutput } from './app-logs.js';
import { grantedCapabilities } from '../policy/grants.js';
import { effectiveLimits } from '../apps/app-ref.js';
import { ensureAppVolumes, volumeMounts } from './app-volumes.js';

export interface ProcessInstance {
  type: string;
  index: number;
}

export interface StartedProcess extends ProcessInstance {
  id: string;
}

/** How long a non-web process must stay up to count as started. */
const SETTLE_MS = 1500;

/** Every instance the formation asks for (see quantityOf: web 1, others 0 unless scaled). `release` never runs here. */
export function planInstances(processes: Processes, formation: Record<string, number>): ProcessInstance[] {
  return processTypes(processes).flatMap((type) => Array.from({ length: quantityOf(type, formation) }, (_, i) => ({ type, index: i + 1 })));
}

/**
 * Docker's command for a process: Procfile commands run through the image's shell; '' keeps
 * the image's CMD. A simple command is exec'd so that it, not the shell, is PID 1 and gets
 * SIGTERM (dash does not pass signals on); compound commands keep their shell.
 */
export function processCmd(command: string | undefined): string[] | undefined {
  return command ? startArgv(command) : undefined;
}

export interface ProcessContext {
  app: AppRow;
  deploymentId: number;
  image: string;
  port: number;
  env: Record<string, string>;
  processes: Processes;
}

export function containerName(deps: Deps, c: ProcessContext, inst: ProcessInstance): string {
  return `${deps.config.containerPrefix}-${c.app.owner}-${c.app.name}-d${c.deploymentId}-${inst.type}-${inst.index}`;
}

/** The container spec every process of the app shares; `extra` names one-off or instance specifics. */
export function processSpec(deps: Deps, c: ProcessContext, name: string, type: string, cmd: string[] | undefined) {
  return {
    name,
    image: c.image,
    env: { ...c.env, PORT: String(c.port) },
    labels: {
      [LABELS.instance]: deps.instanceId,
      [LABELS.app]: c.app.name,
      [LABELS.owner]: c.app.owner,
      [LABELS.deployment]: String(c.deploymentId),
      [LABELS.process]: type,
    },
    network: ownerNetwork(deps, c.app.owner),
    ...effectiveLimits(deps, c.app),
    pidsLimit: 512,
    capAdd: grantedCapabilities(deps.db.owners.get(c.app.owner), c.app.capabilities),
    ...(cmd ? { cmd } : {}),
    // The app's named volumes, in every container of it: web, workers, release, berth run.
    mounts: volumeMounts(deps, c.app),
  };
}

/**
 * Each owner's containers live on the owner's own bridge network, <network>-<owner>: Docker
 * isolates bridges from each other, so one owner's containers cannot reach another's. The
 * proxy, on the host, reaches them all.
 */
export const ownerNetwork = (deps: Deps, owner: string): string => `${deps.config.network}-${owner}`;

export async function ensureOwnerNetwork(deps: Deps, owner: string): Promise<void> {
  await deps.networks.ensureNetwork(ownerNetwork(deps, owner), { 'berth.managed': 'true', [LABELS.instance]: deps.instanceId, [LABELS.owner]: owner }, deps.config.subnetPool);
}

export async function startInstance(deps: Deps, c: ProcessContext, inst: ProcessInstance): Promise<StartedProcess> {
  await ensureOwnerNetwork(deps, c.app.owner);
  await ensureAppVolumes(deps, c.app);
  const spec = processSpec(deps, c, containerName(deps, c, inst), inst.type, processCmd(c.processes[inst.type]));
  // Heroku's and Dokku's DYNO: which process this container is, e.g. web.1.
  const id = await deps.scheduler.run({ ...spec, env: { ...spec.env, DYNO: `${inst.type}.${inst.index}` } });
  return { ...inst, id };
}

/**
 * Where to probe a container, or why it cannot be probed. Docker is asked at most every
 * 150 ms: the probe polls faster than that while the app starts.
 */
function containerAddress(deps: Deps, containerId: string): () => Promise<{ ip: string } | { gone: string }> {
  let last: { at: number; answer: { ip: string } | { gone: string } } | undefined;
  return async () => {
    if (last && 'ip' in last.answer && Date.now() - last.at < 150) return last.answer;
    const c = await deps.scheduler.inspect(containerId);
    let answer: { ip: string } | { gone: string };
    if (!c) answer = { gone: 'the container was removed' };
    else if (c.state === 'exited' || c.state === 'dead' || c.state === 'restarting' || c.restartCount > 0) {
      // Restarted by Docker already, its state says code 0: the engine's events know the real one.
      const code = c.state === 'exited' || c.state === 'dead' ? c.exitCode : ((await deps.streams.lastExitCode(containerId, 600).catch(() => null)) ?? c.exitCode);
      answer = { gone: `the app exited with code ${code}${c.error ? ` (${c.error})` : ''} right after starting` };
    } else if (!c.ip) answer = { gone: "the container has no address on its owner's network" };
    else answer = { ip: c.ip };
    last = { at: Date.now(), answer };
    return answer;
  };
}

async function explainFailure(deps: Deps, c: ProcessContext, id: string, log: (l: string) => void): Promise<void> {
  // The container goes with the failed start; its output stays for `berth logs`.
  await keepExitedOutput(deps, c.deploymentId, id).catch((e: unknown) => deps.logger.warn({ err: e, container: id }, 'cannot keep the output of a failed container'));
  await logOutputTail(deps, id, log);
}

/**
 * Health-checks every web instance and makes sure the others stay up; throws Failed explaining
 * the first failure. Returns the web upstreams (ip:port) that answered, for the proxy.
 */
export async function checkInstances(deps: Deps, c: ProcessContext, started: StartedProcess[], hc: HealthCheck, log: (l: string) => void): Promise<string[]> {
  const web = started.filter((s) => s.type === 'web');
  if (web.length > 0) log(`-----> health check: GET ${hc.path} on port ${c.port} of ${web.length} web container(s) (${hc.attempts} attempts, every ${hc.intervalMs} ms)`);
  const results = await Promise.all(
    web.map(async (s) => ({ s, r: await probe({ port: c.port, host: `${c.app.name}.${deps.config.domain}`, address: containerAddress(deps, s.id) }, hc, (m) => log(`       web.${s.index}: ${m}`)) })),
  );
  const bad = results.find((x) => !x.r.ok);
  if (bad && !bad.r.ok) {
    await explainFailure(deps, c, bad.s.id, log);
    const why = bad.r.fatal ? bad.r.error : `the app never became healthy after ${bad.r.attempts} attempts; last error: ${bad.r.error}`;
    throw Failed(`health check failed: ${why}`);
  }
  if (web.length > 0) log(`       healthy after ${Math.max(...results.map((x) => x.r.attempts))} attempt(s)`);
  const upstreams = results.flatMap((x) => (x.r.ok ? [`${x.r.ip}:${c.port}`] : []));
  const others = started.filter((s) => s.type !== 'web');
  if (others.length === 0) return upstreams;
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  for (const s of others) {
    const info = await deps.scheduler.inspect(s.id);
    if (!info || info.state !== 'running' || info.restartCount > 0) {
      await explainFailure(deps, c, s.id, log);
      throw Failed(`process ${s.type}.${s.index} exited with code ${info?.exitCode ?? '?'} right after starting`);
    }
  }
  log(`       ${others.map((s) => `${s.type}.${s.index}`).join(', ')} running`);
  return upstreams;
}

/** Runs a one-off command in a new container of the release; throws Failed with its exit code. */
export async function runOnce(deps: Deps, c: ProcessContext, what: string, command: string, log: (l: string) => void): Promise<void> {
  log(`-----> running ${what}: ${command}`);
  const name = `${deps.config.containerPrefix}-${c.app.owner}-${c.app.name}-d${c.deploymentId}-${what}-${Date.now().toString(36)}`;
  await ensureOwnerNetwork(deps, c.app.owner);
  await ensureAppVolumes(deps, c.app);
  const code = await deps.scheduler.runOnce(processSpec(deps, c, name, what, processCmd(command)), (l) => log(`       ${l}`), 30 * 60_000);
  if (code !== 0) throw Failed(`${what} command failed with exit code ${code}: ${command}`);
}

/** Docker's words when the command of a container cannot be executed at all. */
const NOT_FOUND = /executable file not found|no such file or directory/i;
const NOT_EXECUTABLE = /permission denied/i;

/**
 * What a shell would say of a command that cannot start, with its exit code (127: not found,
 * 126: not executable), from the OCI runtime's error; null for any other error.
 */
export function commandStartError(command: string, err: string): { code: number; error: string } | null {
  // Docker: `exec: "nosuchcmd": executable file not found in $PATH`, `exec: "/x": stat /x: no such file or directory`.
  if (!/\bexec: "/.test(err)) return null;
  if (NOT_FOUND.test(err)) return { code: 127, error: `${command}: command not found in the app's image` };
  if (NOT_EXECUTABLE.test(err)) return { code: 126, error: `${command}: permission denied (not an executable in the app's image)` };
  return null;
}

/**
 * `berth run`: a command (an argument vector, no shell) in a new container of the current
 * release with its config; streams output, returns the exit code, removes the container.
 * A command that cannot start is told as a shell would: its exit code and a one-line error.
 */
export async function runCommand(deps: Deps, c: ProcessContext, argv: string[], onLine: (l: string) => void, signal: AbortSignal): Promise<{ code: number; error?: string }> {
  const name = `${deps.config.containerPrefix}-${c.app.owner}-${c.app.name}-d${c.deploymentId}-run-${Date.now().toString(36)}`;
  await ensureOwnerNetwork(deps, c.app.owner);
  await ensureAppVolumes(deps, c.app);
  try {
    return { code: await deps.scheduler.runOnce(processSpec(deps, c, name, 'run', argv), onLine, 60 * 60_000, signal) };
  } catch (e) {
    const told = commandStartError(argv[0] ?? '', messageOf(e));
    if (told) return told;
    throw e;
  }
}

/** Stops and removes containers; `stopTimeoutSec` is how long each gets to exit on SIGTERM. */
export async function removeContainers(deps: Deps, ids: string[], stopTimeoutSec = 10): Promise<void> {
  await Promise.all(ids.map((id) => deps.scheduler.remove(id, stopTimeoutSec)));
}
