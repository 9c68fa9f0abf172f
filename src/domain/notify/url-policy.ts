// Which URLs notifications may go to, so that Berth cannot be used to probe its host's network:
// http(s) only; never link-local (cloud metadata at 169.254.169.254), unspecified or multicast
// addresses; loopback and private ranges only when the admin sets BERTH_NOTIFY_ALLOW_PRIVATE.
// Pure. The sender applies addressRefusal to every address a name resolves to, as it connects.
import { BlockList, isIP, isIPv4 } from 'node:net';
import { Invalid } from '../../errors.js';

const list = (ranges: [string, number, 'ipv4' | 'ipv6'][]): BlockList => {
  const b = new BlockList();
  for (const [addr, bits, type] of ranges) b.addSubnet(addr, bits, type);
  return b;
};

/** Never sent to, whatever the configuration. */
const NEVER = list([
  ['0.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
  // AWS's instance metadata over IPv6 (inside fc00::/7, so named on its own).
  ['fd00:ec2::254', 128, 'ipv6'],
]);

/** Sent to only with BERTH_NOTIFY_ALLOW_PRIVATE=true. */
const PRIVATE = list([
  ['127.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
]);

/** An IPv4 address written as IPv6 (::ffff:a.b.c.d, ::ffff:7f00:1, NAT64 64:ff9b::…): its IPv4 form; else the address as given. */
export function unmapIPv4(ip: string): string {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip);
  if (!m) return ip;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why a notification may not go to `address` (an IP), or null when it may. */
/** `setting` names what lets private addresses through (notifications' by default; backups pass theirs). */
export function addressRefusal(address: string, allowPrivate: boolean, setting = 'BERTH_NOTIFY_ALLOW_PRIVATE'): string | null {
  const ip = unmapIPv4(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (isIP(ip) === 0) return `${address} is not an IP address`;
  const type = isIPv4(ip) ? 'ipv4' : 'ipv6';
  if (NEVER.check(ip, type)) return `${address} is a link-local, unspecified or multicast address`;
  if (!allowPrivate && PRIVATE.check(ip, type)) return `${address} is a loopback or private address (an admin may allow those with ${setting}=true)`;
  return null;
}

/** The longest URL accepted. */
const MAX_URL = 2048;

/** Whose URL is checked: in the errors, and the setting that allows private addresses. */
export interface UrlUse {
  what: string;
  setting: string;
}
const NOTIFICATIONS: UrlUse = { what: 'notifications', setting: 'BERTH_NOTIFY_ALLOW_PRIVATE' };

/** Parses and checks a notification (or backup endpoint) URL: http(s), a host, and no refused literal address. */
export function checkNotifyUrl(raw: string, allowPrivate: boolean, use: UrlUse = NOTIFICATIONS): URL {
  if (raw.length > MAX_URL) throw Invalid(`the URL is longer than ${MAX_URL} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw Invalid('the URL is not a valid URL', { hint: 'give an http:// or https:// URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Invalid(`the URL's scheme ${url.protocol.replace(/:$/, '')} is not allowed: http or https only`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw Invalid('the URL has no host');
  if (isIP(host) !== 0) {
    const why = addressRefusal(host, allowPrivate, use.setting);
    if (why) throw Invalid(`${use.what} may not go to ${why}`);
  } else if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
    throw Invalid(`${use.what} may not go to ${host}, a loopback name (an admin may allow it with ${use.setting}=true)`);
  }
  return url;
}

/** What lists show of a URL, whose path and query may carry tokens: scheme and host (with port). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid URL)';
  }
}
