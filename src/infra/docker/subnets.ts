// Address planning for owner networks. Docker's default pools hold about 30 bridge networks;
// Berth carves each owner's /24 out of its own pool instead, skipping every subnet in use.
// Pure IPv4 arithmetic; the engine supplies the subnets it found.

const toInt = (ip: string): number => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses a.b.c.d/n into its first address and size; null for anything else (IPv6 included). */
export function parseCidr(cidr: string): { start: number; size: number } | null {
  const m = CIDR_RE.exec(cidr.trim());
  if (!m || m.slice(1, 5).some((p) => Number(p) > 255) || Number(m[5]) > 32) return null;
  const size = 2 ** (32 - Number(m[5]));
  const start = Math.floor(toInt(m.slice(1, 5).join('.')) / size) * size;
  return { start, size };
}

/** The first /prefix inside `pool` that overlaps none of `used`; null when the pool is full. */
export function pickSubnet(pool: string, used: string[], prefix = 24): { subnet: string; gateway: string } | null {
  const p = parseCidr(pool);
  if (!p) throw new Error(`subnet pool ${pool} is not an IPv4 CIDR`);
  const size = 2 ** (32 - prefix);
  const taken = used.map(parseCidr).filter((u): u is { start: number; size: number } => u !== null);
  for (let start = p.start; start + size <= p.start + p.size; start += size) {
    if (taken.some((t) => start < t.start + t.size && t.start < start + size)) continue;
    return { subnet: `${toIp(start)}/${prefix}`, gateway: toIp(start + 1) };
  }
  return null;
}
