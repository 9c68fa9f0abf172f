import { describe, expect, it } from 'vitest';
import { parseCidr, pickSubnet } from './subnets.js';

describe('pickSubnet', () => {
  it('hands out the first free /24 of the pool', () => {
    expect(pickSubnet('10.213.0.0/16', [])).toEqual({ subnet: '10.213.0.0/24', gateway: '10.213.0.1' });
    expect(pickSubnet('10.213.0.0/16', ['10.213.0.0/24', '10.213.1.0/24'])).toEqual({ subnet: '10.213.2.0/24', gateway: '10.213.2.1' });
  });

  it('skips subnets that overlap a larger network in use, and ignores IPv6 ones', () => {
    expect(pickSubnet('10.0.0.0/8', ['10.0.0.0/16', 'fd00::/64'])?.subnet).toBe('10.1.0.0/24');
  });

  it('says when the pool is full', () => {
    expect(pickSubnet('10.213.0.0/23', ['10.213.0.0/24', '10.213.1.0/24'])).toBeNull();
  });

  it('parses only IPv4 CIDRs', () => {
    expect(parseCidr('172.18.0.0/16')).toEqual({ start: (172 * 256 + 18) * 65536, size: 65536 });
    expect(parseCidr('300.1.1.1/8')).toBeNull();
    expect(parseCidr('fd00::/64')).toBeNull();
  });
});
