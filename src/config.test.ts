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
});
