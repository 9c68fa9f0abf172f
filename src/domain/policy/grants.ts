// What an owner's apps may have beyond the defaults, as an admin granted it: custom domains
// and Linux capabilities. Pure checks; the callers load the owner and the apps.
import { Conflict, Forbidden, Invalid } from '../../errors.js';
import type { AppRow, OwnerRow } from '../../infra/db/rows.js';

export const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * Capabilities an admin may grant: Docker's default set, none of which reaches beyond the
 * container. SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE and the like are never granted.
 */
export const GRANTABLE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
] as const;

/** Upper-cases, strips CAP_, and refuses anything outside the grantable set, naming it. */
export function normalizeCapabilities(values: string[]): string[] {
  const caps = [...new Set(values.map((v) => v.trim().toUpperCase().replace(/^CAP_/, '')))];
  const bad = caps.filter((c) => !(GRANTABLE_CAPABILITIES as readonly string[]).includes(c));
  if (bad.length > 0) throw Invalid(`capabilit${bad.length > 1 ? 'ies' : 'y'} ${bad.join(', ')} cannot be granted; grantable: ${GRANTABLE_CAPABILITIES.join(', ')}`);
  return caps.sort();
}

/** Lower-cases and checks domain names; none may lie under Berth's own domain, whose hosts Berth assigns. */
export function normalizeDomains(values: string[], berthDomain: string): string[] {
  const domains = [...new Set(values.map((v) => v.trim().toLowerCase().replace(/\.$/, '')))];
  for (const d of domains) {
    if (!DOMAIN_RE.test(d)) throw Invalid(`${JSON.stringify(d.slice(0, 260))} is not a domain name`);
    if (d === berthDomain || d.endsWith(`.${berthDomain}`)) throw Invalid(`${d} is under Berth's domain ${berthDomain}; Berth assigns those hosts itself`);
  }
  return domains.sort();
}

/** Whether `domain` is one the owner was allowed, or a subdomain of one. */
export const domainAllowed = (owner: OwnerRow, domain: string): boolean => owner.domains.some((d) => domain === d || domain.endsWith(`.${d}`));

/** Throws unless every domain is allowed for the app's owner and used by no other app. */
export function checkAppDomains(p: { app: Pick<AppRow, 'id' | 'owner'>; owner: OwnerRow | undefined; domains: string[]; others: AppRow[] }): void {
  const denied = p.domains.filter((d) => !p.owner || !domainAllowed(p.owner, d));
  if (denied.length > 0) {
    throw Forbidden(`owner ${p.app.owner} is not allowed the domain${denied.length > 1 ? 's' : ''} ${denied.join(', ')}`, {
      hint: `an admin allows them with \`berth owners allow ${p.app.owner} --domain <domain>\``,
    });
  }
  for (const other of p.others) {
    if (other.id === p.app.id) continue;
    const taken = p.domains.find((d) => other.domains.includes(d));
    if (taken) throw Conflict(`${taken} is already a domain of another app`);
  }
}

/** Throws unless the owner was allowed every capability the app declares. */
export function checkAppCapabilities(owner: OwnerRow | undefined, ownerName: string, caps: string[]): void {
  const denied = caps.filter((c) => !owner?.capabilities.includes(c));
  if (denied.length > 0) {
    throw Forbidden(`owner ${ownerName} is not allowed the capabilit${denied.length > 1 ? 'ies' : 'y'} ${denied.join(', ')}`, {
      hint: `an admin allows them with \`berth owners allow ${ownerName} --capability <cap>\``,
    });
  }
}

/** The capabilities a container of the app gets: those declared and still allowed. */
export const grantedCapabilities = (owner: OwnerRow | undefined, declared: string[]): string[] => declared.filter((c) => owner?.capabilities.includes(c));
