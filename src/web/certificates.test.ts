import { describe, expect, it } from 'vitest';
import type { HostCertificate } from './api.js';
import { certificateProblem, certificateText } from './certificates.js';

const base: HostCertificate = { host: 'shop.localhost', app: 'default/shop', https: true, issuer: null, notAfter: null, error: null, errorAt: null, retryAt: null };
const now = Date.parse('2026-11-23T12:00:00Z');

describe("the domains tab's certificate words", () => {
  it('names the issuer and the expiry date of a host served over https', () => {
    expect(certificateText({ ...base, issuer: 'Pebble Intermediate CA 1a2b3c', notAfter: '2027-02-21T11:00:00.000Z' })).toBe('https: Pebble Intermediate CA 1a2b3c, expires 2027-02-21');
  });

  it('says when a host has no certificate yet, and when it is served on plain http only', () => {
    expect(certificateText(base)).toBe('no certificate yet (made on the first https request)');
    expect(certificateText({ ...base, https: false })).toBe('http only');
  });

  it('shows the last error with how long ago and when the CA is asked next', () => {
    expect(certificateProblem(base, now)).toBeNull();
    const failed = { ...base, error: 'challenge failed:\n  connection refused', errorAt: '2026-11-23T11:55:00Z', retryAt: '2026-11-23T12:10:00Z' };
    expect(certificateProblem(failed, now)).toBe('challenge failed: connection refused (5m ago; next try after 12:10 UTC)');
    expect(certificateProblem({ ...failed, retryAt: '2026-11-24T02:00:00Z' }, now)).toBe('challenge failed: connection refused (5m ago; next try after 2026-11-24 02:00 UTC)');
    expect(certificateProblem({ ...failed, errorAt: null, retryAt: null }, now)).toBe('challenge failed: connection refused');
  });
});
