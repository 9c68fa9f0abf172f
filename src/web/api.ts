// The dashboard's one door to Berth's API: same-origin fetches with the session cookie, the
// session's CSRF token on every change, and errors as the API words them.
export type { AppView, ContainerView } from '../domain/catalog/app-service.js';
export type { ReleaseView } from '../domain/releases/release-service.js';
export type { GitSettingsView } from '../domain/pipelines/git-remote.js';
export type { LiveEvent } from '../domain/audit/event-feed.js';
export type { FormationRow, PsRow } from '../domain/processes/scale.js';
export type { TokenView } from '../domain/users/tokens.js';
export type { HostCertificate } from '../domain/tls/tls-status.js';
export type { BuildRow, DeploymentRow } from '../infra/db/rows.js';
export type { AddonView } from '../domain/addons/addon-service.js';
export type { BackupView } from '../domain/backups/backup-service.js';

export interface SessionInfo {
  user: string;
  role: string;
  csrf: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

let csrf: string | null = null;
/** Called when the API says the session is gone, so the page can show the login. */
let onUnauthorized: () => void = () => undefined;

export function setSession(s: SessionInfo | null, unauthorized?: () => void): void {
  csrf = s?.csrf ?? null;
  if (unauthorized) onUnauthorized = unauthorized;
}

export async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(signal ? { signal } : {}), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  const data = (text ? JSON.parse(text) : null) as T & { error?: { message: string; hint?: string } };
  if (!res.ok) {
    if (res.status === 401 && path !== '/session') onUnauthorized();
    throw new ApiError(res.status, data?.error?.message ?? `${res.status} ${res.statusText}`, data?.error?.hint);
  }
  return data;
}

/** `/apps/owner%2Fname` + rest. */
export const appPath = (ref: string, rest = ''): string => `/apps/${encodeURIComponent(ref)}${rest}`;

/** Follows an SSE endpoint of the API; returns a function that stops it. */
export function stream(path: string, handlers: Record<string, (data: unknown) => void>): () => void {
  const es = new EventSource(`/api/v1${path}`, { withCredentials: true });
  for (const [event, fn] of Object.entries(handlers)) es.addEventListener(event, (e) => fn(JSON.parse((e as MessageEvent<string>).data)));
  // The end of a finite stream (a deploy log) is its `end` event; do not reconnect after it.
  es.addEventListener('end', () => es.close());
  return () => es.close();
}

/**
 * POSTs to an API route that answers with an SSE stream of `line` events ending with `exit`
 * (backups, drills): EventSource only GETs, so the stream is read from fetch. Resolves with the
 * `exit` data; an error before the stream opens is thrown as `api` throws it.
 */
export async function postStream<T>(path: string, body: unknown, onLine: (line: string) => void = () => undefined): Promise<T & { code: number; error?: string }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'text/event-stream' };
  if (csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(`/api/v1${path}`, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(body) });
  if (!res.ok || !res.body) {
    const data = (await res.json().catch(() => null)) as { error?: { message: string; hint?: string } } | null;
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, data?.error?.message ?? `${res.status} ${res.statusText}`, data?.error?.hint);
  }
  let exit: (T & { code: number; error?: string }) | null = null;
  let buf = '';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!event || !data) continue;
      if (event === 'line') onLine((JSON.parse(data) as { line: string }).line);
      if (event === 'exit') exit = JSON.parse(data) as T & { code: number; error?: string };
    }
  }
  if (!exit) throw new ApiError(503, 'the server ended the stream without a result');
  return exit;
}
