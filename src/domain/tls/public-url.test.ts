import { describe, expect, it } from 'vitest';
import { publicApiUrl } from './public-url.js';

describe('publicApiUrl', () => {
  it.each([
    [{ tls: 'acme', apiHost: 'berth.example.com', httpsPort: 443 }, 'https://berth.example.com'],
    [{ tls: 'internal', apiHost: 'berth.localhost', httpsPort: 8443 }, 'https://berth.localhost:8443'],
    [{ tls: 'off', apiHost: 'berth.example.com', httpsPort: 443 }, null],
  ] as const)('names the edge https address of the API for %o', (config, url) => {
    expect(publicApiUrl(config)).toBe(url);
  });
});
