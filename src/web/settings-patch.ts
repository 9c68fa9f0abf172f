// The settings form's values as the body of PATCH /apps/:app/settings: only what the user
// changed, so untouched fields keep following the server's defaults. Pure, for tests.
import type { SettingsChange } from '../domain/apps/release-spec.js';

type SettingsPatch = SettingsChange;
/** What the app runs with now, as the app's view (GET /apps/:app) gives it. */
interface SettingsView {
  port: number | null;
  healthcheck: { path: string; timeoutMs: number; attempts: number; intervalMs: number };
  limits: { memoryMb: number; cpus: number };
}

/** The form's fields as typed: seconds for the health check's times, MB for memory. */
export interface SettingsForm {
  port: string;
  path: string;
  timeout: string;
  attempts: string;
  interval: string;
  memory: string;
  cpus: string;
}

const ms = (seconds: string) => Math.round(Number(seconds) * 1000);

/** The patch that turns `now` into what the form says; empty when nothing changed. An emptied port, memory or CPUs goes back to the default. */
export function settingsPatch(now: SettingsView, f: SettingsForm): SettingsPatch {
  const patch: SettingsPatch = {};
  const port = f.port.trim() === '' ? null : Number(f.port);
  if (port !== now.port) patch.port = port;
  const hc: NonNullable<SettingsPatch['healthcheck']> = {};
  if (f.path.trim() !== now.healthcheck.path) hc.path = f.path.trim();
  if (f.timeout.trim() !== '' && ms(f.timeout) !== now.healthcheck.timeoutMs) hc.timeoutMs = ms(f.timeout);
  if (f.attempts.trim() !== '' && Number(f.attempts) !== now.healthcheck.attempts) hc.attempts = Number(f.attempts);
  if (f.interval.trim() !== '' && ms(f.interval) !== now.healthcheck.intervalMs) hc.intervalMs = ms(f.interval);
  if (Object.keys(hc).length > 0) patch.healthcheck = hc;
  const limits: NonNullable<SettingsPatch['limits']> = {};
  if (f.memory.trim() === '') limits.memoryMb = null;
  else if (Number(f.memory) !== now.limits.memoryMb) limits.memoryMb = Number(f.memory);
  if (f.cpus.trim() === '') limits.cpus = null;
  else if (Number(f.cpus) !== now.limits.cpus) limits.cpus = Number(f.cpus);
  if (Object.keys(limits).length > 0) patch.limits = limits;
  return patch;
}

/** The form's starting values: what the app runs with now. */
export function settingsForm(now: SettingsView): SettingsForm {
  return {
    port: now.port === null ? '' : String(now.port),
    path: now.healthcheck.path,
    timeout: String(now.healthcheck.timeoutMs / 1000),
    attempts: String(now.healthcheck.attempts),
    interval: String(now.healthcheck.intervalMs / 1000),
    memory: String(now.limits.memoryMb),
    cpus: String(now.limits.cpus),
  };
}
