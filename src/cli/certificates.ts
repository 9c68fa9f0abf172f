// How the CLI shows hosts and their certificates (`berth tls status`, `berth domains`).
import type { HostCertificate } from '../domain/tls/tls-status.js';
import { table } from './output.js';

const day = (iso: string | null): string => (iso ? iso.slice(0, 10) : '-');

function problem(c: HostCertificate): string {
  if (!c.error) return '-';
  const retry = c.retryAt ? ` (next try after ${c.retryAt.slice(11, 16)} UTC)` : '';
  return `${c.error.replace(/\s+/g, ' ').slice(0, 160)}${retry}`;
}

export function certificateTable(rows: HostCertificate[]): string {
  return table(
    ['HOST', 'APP', 'CERTIFICATE', 'EXPIRES', 'LAST ERROR'],
    rows.map((c) => [c.host, c.app ?? '(berth)', c.https ? (c.issuer ?? 'none yet: made on the first https request') : 'http only', day(c.notAfter), problem(c)]),
  );
}
