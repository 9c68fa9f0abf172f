// The pure half of Berth's router: from the routed apps to the table the router process holds,
// and from that table to the answer of each DNS question the edge Caddy asks. No I/O here.
//
// The edge Caddy's config never changes with a deploy (Caddy 2.6 reloads the whole process on
// any config change and resets connections). Instead its reverse_proxy looks its upstreams up
// per request host, as DNS SRV records, from the router (refreshed every REFRESH_MS): a deploy
// changes an answer, not the config. The names the edge asks about (edge-config.ts builds them):
//   _web._tcp.<host>.host.berth.        SRV: the app's web containers (https, and http without redirect)
//   _web._tcp.<host>.plain.berth.       SRV: the same for a `tls: false` app, else the router (a 308 to https)
//   _web._tcp.<owner>.<app>.path.berth. SRV: a path-routed app (<domain>/<owner>/<app>)
//   <a>-<b>-<c>-<d>.ip.berth.           A:   the address a-b-c-d (targets of the SRV records)
//   <a>-<b>-<c>-<d>.hsts.berth.         A:   the same, for an app with HSTS: the edge sets the header
//                                            when the upstream's name says so (edge-config.ts)
// An app with no container up is answered with the router itself, which serves the 503 page.
// An unknown host is NXDOMAIN: the edge falls back to the router (the 404 page) without caching
// the name, so hosts nobody routes never push real apps out of the edge's 100-name cache.

export interface RoutedApp {
  /** Unique among routed apps: owner/name. */
  name: string;
  /** Host names that reach this app, e.g. myapp.localhost and its custom domains. */
  hosts: string[];
  /** Path prefix on the bare domain, e.g. /owner/myapp (stripped before the app sees it); null: no path route. */
  pathPrefix: string | null;
  /** host:port of each web container running now; empty: the app answers 503 until one is back. */
  upstreams: string[];
  /** False for an app that opted out of https (berth.yml `tls: false`): no certificate, served on plain http. */
  tls: boolean;
  /** Whether responses carry Strict-Transport-Security. */
  hsts: boolean;
}

export interface RouterEntry {
  /** owner/name, for the 503 page and the certificate list. */
  app: string;
  upstreams: string[];
  tls: boolean;
  hsts: boolean;
}

export interface RouterTable {
  /** Grows with every change; the router reports the one it serves. */
  version: number;
  /** Lower-case host -> its app. */
  hosts: Record<string, RouterEntry>;
  /** "owner/app" -> a path-routed app. */
  paths: Record<string, RouterEntry>;
  /** Hosts that get a certificate although no app has them: Berth's own API host. */
  certHosts: string[];
  /** Host -> epoch ms until which the TLS `ask` refuses it: ACME failures back off. */
  refused: Record<string, number>;
}

/** How often the edge asks again about a name it has an answer for (dynamic_upstreams.refresh). */
export const REFRESH_MS = 1000;
export const ZONE = 'berth';

export function emptyTable(): RouterTable {
  return { version: 0, hosts: {}, paths: {}, certHosts: [], refused: {} };
}

/** The router table for these apps; `base` carries what the apps do not say (version, backoff). */
export function routerTable(apps: RoutedApp[], p: { certHosts: string[]; version: number; refused?: Record<string, number> }): RouterTable {
  const hosts: Record<string, RouterEntry> = {};
  const paths: Record<string, RouterEntry> = {};
  for (const a of [...apps].sort((x, y) => x.name.localeCompare(y.name))) {
    const entry: RouterEntry = { app: a.name, upstreams: [...a.upstreams], tls: a.tls, hsts: a.hsts };
    for (const h of a.hosts) hosts[h.toLowerCase()] ??= entry;
    if (a.pathPrefix !== null) paths[a.pathPrefix.replace(/^\//, '').toLowerCase()] = entry;
  }
  return { version: p.version, hosts, paths, certHosts: p.certHosts.map((h) => h.toLowerCase()), refused: { ...(p.refused ?? {}) } };
}

export type Answer =
  | { kind: 'srv'; targets: { ip: string; port: number; hsts?: boolean }[] }
  | { kind: 'a'; ip: string }
  | { kind: 'nodata' }
  | { kind: 'txt'; text: string }
  | { kind: 'nxdomain' };

export interface AnswerParams {
  /** The router's own address: what a name without a live upstream points at. */
  fallback: { ip: string; port: number };
}

function split(upstream: string): { ip: string; port: number } | null {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(upstream);
  return m ? { ip: m[1]!, port: Number(m[2]) } : null;
}

function srv(entry: RouterEntry | undefined, p: AnswerParams): Answer {
  if (!entry) return { kind: 'nxdomain' };
  const targets = entry.upstreams.map(split).filter((t): t is { ip: string; port: number } => t !== null);
  if (targets.length === 0) return { kind: 'srv', targets: [p.fallback] };
  return { kind: 'srv', targets: entry.hsts ? targets.map((t) => ({ ...t, hsts: true })) : targets };
}

/** The name the router gives an IPv4 address (the target of an SRV record); `hsts` marks an app's containers whose responses get HSTS. */
export const ipName = (ip: string, hsts = false): string => `${ip.replaceAll('.', '-')}.${hsts ? 'hsts' : 'ip'}.${ZONE}`;

/**
 * What the router answers to one question. `name` without the trailing dot; `type` as in DNS
 * (SRV, A, AAAA, TXT, ...). Names outside the zone are NXDOMAIN: the router answers nothing else.
 */
export function answer(t: RouterTable, name: string, type: string, p: AnswerParams): Answer {
  const n = name.toLowerCase().replace(/\.$/, '');
  if (!n.endsWith(`.${ZONE}`) && n !== ZONE) return { kind: 'nxdomain' };
  const rest = n.slice(0, -(ZONE.length + 1));
  const ip = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\.(?:ip|hsts)$/.exec(rest);
  if (ip) {
    const addr = ip.slice(1, 5).join('.');
    if (ip.slice(1, 5).some((o) => Number(o) > 255)) return { kind: 'nxdomain' };
    return type === 'A' ? { kind: 'a', ip: addr } : { kind: 'nodata' };
  }
  if (rest === 'version') return type === 'TXT' ? { kind: 'txt', text: String(t.version) } : { kind: 'nodata' };
  const q = /^_web\._tcp\.(.+)\.(host|plain|path)$/.exec(rest);
  if (!q) return { kind: 'nxdomain' };
  if (type !== 'SRV') return { kind: 'nodata' };
  const [, key = '', space] = q;
  if (space === 'host') return srv(t.hosts[key], p);
  if (space === 'plain') {
    // A host with https is sent to the router, which answers 308 (or 404 when it has none).
    const e = t.hosts[key];
    return e && !e.tls ? srv(e, p) : e ? { kind: 'srv', targets: [p.fallback] } : { kind: 'nxdomain' };
  }
  // path: <owner>.<app>; names never hold a dot, so the split is exact.
  const parts = key.split('.');
  return srv(parts.length === 2 ? t.paths[`${parts[0]}/${parts[1]}`] : undefined, p);
}

/** Whether the edge may get a certificate for `host` now: a routed app's (not `tls: false`) or Berth's own host, not backing off. */
export function mayHaveCertificate(t: RouterTable, host: string, now: number): { ok: boolean; why: string } {
  const h = host.toLowerCase();
  if ((t.refused[h] ?? 0) > now) return { ok: false, why: 'backing off after a failed certificate request' };
  if (t.certHosts.includes(h)) return { ok: true, why: 'berth' };
  const e = t.hosts[h];
  if (!e) return { ok: false, why: 'no app is routed at this host' };
  if (!e.tls) return { ok: false, why: 'the app has tls: false' };
  return { ok: true, why: e.app };
}

/** What the router's HTTP side serves for a request the edge could not route to a container. */
export type Fallback = { status: 308; location: string } | { status: 503; app: string } | { status: 404 };

export function fallbackFor(
  t: RouterTable,
  req: { host: string; path: string; proto: string; prefix: string | null },
  p: { redirect: boolean; httpsPort: number },
): Fallback {
  const host = req.host.toLowerCase().replace(/:\d+$/, '');
  const entry = t.hosts[host];
  // Only a host that has a certificate to offer is sent to https: an unknown one gets the 404.
  if (p.redirect && req.proto === 'http' && ((entry && entry.tls) || t.certHosts.includes(host))) {
    const port = p.httpsPort === 443 ? '' : `:${p.httpsPort}`;
    return { status: 308, location: `https://${host}${port}${req.path}` };
  }
  if (entry) return { status: 503, app: entry.app };
  const pathEntry = req.prefix ? t.paths[req.prefix.replace(/^\//, '').toLowerCase()] : undefined;
  if (pathEntry) return { status: 503, app: pathEntry.app };
  return { status: 404 };
}

/**
 * How long until the edge has certainly dropped every answer that differs between `before` and
 * `after`: each name it asked about at `asked[name]` is cached for REFRESH_MS from then.
 */
export function settleMs(before: RouterTable, after: RouterTable, asked: Map<string, { type: string; at: number }>, now: number, p: AnswerParams): number {
  let wait = 0;
  for (const [name, q] of asked) {
    const until = q.at + REFRESH_MS - now;
    if (until <= 0) continue;
    if (JSON.stringify(answer(before, name, q.type, p)) !== JSON.stringify(answer(after, name, q.type, p))) wait = Math.max(wait, until);
  }
  return wait;
}
