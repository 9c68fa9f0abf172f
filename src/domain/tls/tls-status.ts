// The certificate of every host Berth routes, as `berth tls status`, `berth domains` and the
// dashboard's domains tab show it: who issued it, until when, and the last failure if the CA
// refused it since.
import type { AppRow } from '../../infra/db/rows.js';
import { appHosts } from '../apps/urls.js';
import type { Deps } from '../context.js';

export interface HostCertificate {
  host: string;
  /** owner/name; null for Berth's own host. */
  app: string | null;
  /** false: the host is served on plain http only (tls off, or the app has `tls: false`). */
  https: boolean;
  issuer: string | null;
  notAfter: string | null;
  /** The last failure since the certificate (or since Berth started). */
  error: string | null;
  errorAt: string | null;
  /** No new request to the CA before this time while it backs off. */
  retryAt: string | null;
}

function row(deps: Deps, host: string, app: string | null, https: boolean): HostCertificate {
  const cert = https ? (deps.certificates?.certificate(host) ?? null) : null;
  const failure = https ? deps.tlsFailure?.(host) : undefined;
  return {
    host,
    app,
    https,
    issuer: cert?.issuer ?? null,
    notAfter: cert?.notAfter ?? null,
    error: failure?.error ?? null,
    errorAt: failure?.at ?? null,
    retryAt: failure && failure.retryAt > Date.now() ? new Date(failure.retryAt).toISOString() : null,
  };
}

/** The hosts of these apps (and Berth's own when `withApiHost`), each with its certificate. */
export function certificateStatus(deps: Deps, apps: AppRow[], withApiHost: boolean): HostCertificate[] {
  const on = deps.config.tls !== 'off';
  return [
    ...(withApiHost ? [row(deps, deps.config.apiHost, null, on)] : []),
    ...apps.flatMap((a) => appHosts(a, deps.config.domain).map((h) => row(deps, h, `${a.owner}/${a.name}`, on && a.tls))),
  ];
}

/** `berth tls status`: the hosts of every app the caller may see; Berth's own host for admins (`visible` undefined). */
export function visibleCertificateStatus(deps: Deps, visible?: (owner: string) => boolean): HostCertificate[] {
  return certificateStatus(deps, deps.db.apps.list().filter((a) => visible?.(a.owner) ?? true), visible === undefined);
}
