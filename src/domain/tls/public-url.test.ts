import { describe, expect, it } from 'vitest';
import { publicApiUrl } from './public-url.js';

describe('publicApiUrl', () => {
  it.each([
    [{ tls: 'acme', apiHost: 'berth.example.com', httpsPort: 443, httpsRedirect: true }, 'https://berth.example.com'],
    [{ tls: 'internal', apiHost: 'berth.localhost', httpsPort: 8443, httpsRedirect: true }, 'https://berth.localhost:8443'],
    [{ tls: 'internal', apiHost: 'berth.localhost', httpsPort: 8443, httpsRedirect: false }, null],
    [{ tls: 'off', apiHost: 'berth.example.com', httpsPort: 443, httpsRedirect: false }, null],
  ] as const)('names the edge https address of the API where https is the way in: %o', (config, url) => {
    expect(publicApiUrl(config)).toBe(url);
  });
});
