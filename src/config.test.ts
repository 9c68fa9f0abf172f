import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('has working defaults for a single host', () => {
    expect(parseConfig({})).toMatchObject({
      dataDir: '/var/lib/berth',
      listenHost: '127.0.0.1',
      listenPort: 7070,
      domain: 'localhost',
      httpPort: 80,
      caddyAdmin: '127.0.0.1:2019',
      caddyEdgeAdmin: '127.0.0.1:2020',
      network: 'berth',
    });
  });

  it('reports every bad value at once, naming the variable and what is allowed', () => {
    let message = '';
    try {
      parseConfig({ httpPort: 'eighty', dataDir: 'relative/dir', domain: 'Not A Domain!' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('BERTH_HTTP_PORT="eighty": expected a whole number from 1 to 65535');
    expect(message).toContain('BERTH_DATA_DIR="relative/dir": expected an absolute path');
    expect(message).toContain('BERTH_DOMAIN="Not A Domain!"');
  });

  it('lets flags override the environment', () => {
    const c = loadConfig({ BERTH_DOMAIN: 'env.example.com', BERTH_HTTP_PORT: '8080' }, { domain: 'flag.example.com' });
    expect(c.domain).toBe('flag.example.com');
    expect(c.httpPort).toBe(8080);
  });

  it('has limits and quotas, in MB where they are sizes, each settable and checked', () => {
    const d = parseConfig({});
    expect(d.limits).toEqual({ uploadBytes: 512 * 1024 * 1024, sourceBytes: 2048 * 1024 * 1024, sourceFiles: 100_000, pushBytes: 512 * 1024 * 1024, containersPerApp: 20 });
    expect(d.quotas).toEqual({ apps: 50, previews: 10, runs: 5 });
    const c = loadConfig({ BERTH_MAX_UPLOAD_MB: '3', BERTH_MAX_PUSH_MB: '1', BERTH_QUOTA_RUNS: '0' });
    expect([c.limits.uploadBytes, c.limits.pushBytes, c.quotas.runs]).toEqual([3 * 1024 * 1024, 1024 * 1024, 0]);
    expect(() => loadConfig({ BERTH_MAX_SOURCE_FILES: '0', BERTH_QUOTA_APPS: '-1' })).toThrow(/BERTH_MAX_SOURCE_FILES="0": expected a whole number from 1 to 100000000\n {2}BERTH_QUOTA_APPS="-1"/);
  });
});
