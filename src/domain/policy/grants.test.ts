import { describe, expect, it } from 'vitest';
import type { AppRow, OwnerRow } from '../../infra/db/rows.js';
import { checkAppCapabilities, checkAppDomains, grantedCapabilities, normalizeCapabilities, normalizeDomains } from './grants.js';

const owner = (domains: string[], capabilities: string[] = []): OwnerRow => ({ name: 'acme', domains, capabilities, quotas: { apps: null, previews: null, runs: null }, createdAt: '' });
const app = (id: number, domains: string[]) => ({ id, owner: 'acme', domains }) as AppRow;

describe('custom domains', () => {
  it('allows a granted domain and its subdomains only', () => {
    const o = owner(['acme.test']);
    expect(() => checkAppDomains({ app: app(1, []), owner: o, domains: ['acme.test', 'shop.acme.test'], others: [] })).not.toThrow();
    expect(() => checkAppDomains({ app: app(1, []), owner: o, domains: ['evilacme.test'], others: [] })).toThrow(/not allowed the domain evilacme.test/);
    expect(() => checkAppDomains({ app: app(1, []), owner: undefined, domains: ['acme.test'], others: [] })).toThrow(/not allowed/);
  });

  it('refuses a domain another app already has, without naming that app', () => {
    const check = () => checkAppDomains({ app: app(1, []), owner: owner(['acme.test']), domains: ['acme.test'], others: [app(2, ['acme.test'])] });
    expect(check).toThrow('acme.test is already a domain of another app');
  });

  it("normalizes names and refuses hosts under Berth's own domain", () => {
    expect(normalizeDomains(['Shop.Example.COM.', 'shop.example.com'], 'localhost')).toEqual(['shop.example.com']);
    expect(() => normalizeDomains(['other-acme.apps.example.com'], 'apps.example.com')).toThrow(/Berth assigns those hosts/);
    expect(() => normalizeDomains(['not a domain'], 'localhost')).toThrow(/not a domain name/);
  });
});

describe('capabilities', () => {
  it('grants only what the app declares and the owner is allowed', () => {
    expect(normalizeCapabilities(['cap_kill', 'KILL', 'net_bind_service'])).toEqual(['KILL', 'NET_BIND_SERVICE']);
    expect(() => normalizeCapabilities(['NET_ADMIN'])).toThrow(/NET_ADMIN cannot be granted/);
    expect(() => checkAppCapabilities(owner([], ['KILL']), 'acme', ['KILL', 'CHOWN'])).toThrow(/not allowed the capability CHOWN/);
    expect(grantedCapabilities(owner([], ['KILL']), ['KILL', 'CHOWN'])).toEqual(['KILL']);
  });
});
