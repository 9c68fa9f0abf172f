// How the dashboard's domains tab words a host's certificate: the rows `berth domains` prints,
// as short phrases. Pure, so the words are tested without a browser.
import type { HostCertificate } from './api.js';
import { ago } from './format.js';

/** "2027-02-21 14:05 UTC", or only "14:05 UTC" on the same (UTC) day as `now`. */
function utc(iso: string, now: number): string {
  const at = new Date(iso).toISOString();
  const time = `${at.slice(11, 16)} UTC`;
  return at.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? time : `${at.slice(0, 10)} ${time}`;
}

/** "https: <issuer>, expires <date>", "http only", or that none was made yet. */
export function certificateText(c: HostCertificate): string {
  if (!c.https) return 'http only';
  if (!c.issuer) return 'no certificate yet (made on the first https request)';
  return `https: ${c.issuer}${c.notAfter ? `, expires ${c.notAfter.slice(0, 10)}` : ''}`;
}

/** The last failure, how long ago, and when the CA is asked next; null when there is none. */
export function certificateProblem(c: HostCertificate, now = Date.now()): string | null {
  if (!c.error) return null;
  const when = [c.errorAt ? ago(c.errorAt, now) : null, c.retryAt ? `next try after ${utc(c.retryAt, now)}` : null].filter(Boolean).join('; ');
  return `${c.error.replace(/\s+/g, ' ').trim()}${when ? ` (${when})` : ''}`;
}
