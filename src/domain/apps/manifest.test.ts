import { describe, expect, it } from 'vitest';
import { parseManifest, resolveHealthCheck } from './manifest.js';

describe('parseManifest', () => {
  it('reads the berth.yml keys', () => {
    const m = parseManifest(
      'name: shop\nowner: acme\nport: 3000\nhealthcheck: {path: /health, timeout: 2, attempts: 5, interval: 0.5}\nenv: {A: 1, B: x}\ndomains: [shop.example.com]\n',
      'berth.yml',
    );
    expect(m).toEqual({
      name: 'shop',
      owner: 'acme',
      port: 3000,
      healthcheck: { path: '/health', timeoutMs: 2000, attempts: 5, intervalMs: 500 },
      env: { A: '1', B: 'x' },
      domains: ['shop.example.com'],
    });
  });

  it("accepts the seed platform's backenderer.yml keys", () => {
    const m = parseManifest('app_name: legacy\nowner_id: team-a\ncontainer_port: 8000\n', 'berth.yml');
    expect(m).toMatchObject({ name: 'legacy', owner: 'team-a', port: 8000 });
  });

  it('reads berth.json', () => {
    expect(parseManifest('{"name":"api","port":80}', 'berth.json')).toMatchObject({ name: 'api', port: 80 });
  });

  it('reads the build settings for sources without a Dockerfile', () => {
    expect(parseManifest('runtime: node\nroot: services/api/\nstart: node main.js\nbuild: npm run compile\n', 'berth.yml')).toMatchObject({
      runtime: 'node',
      root: 'services/api',
      start: 'node main.js',
      build: 'npm run compile',
    });
  });

  it.each(['../up', '/abs', 'a/../../b'])('refuses root %j outside the repository', (root) => {
    expect(() => parseManifest(`root: ${root}\n`, 'berth.yml')).toThrow(/root/);
  });

  it('treats an empty file as no settings, leaving domains and capabilities alone', () => {
    expect(parseManifest('', 'berth.yml')).toEqual({ env: {} });
  });

  it('reads capabilities in either spelling and refuses those no admin may grant', () => {
    expect(parseManifest('capabilities: [cap_net_bind_service, CHOWN]', 'berth.yml').capabilities).toEqual(['CHOWN', 'NET_BIND_SERVICE']);
    expect(() => parseManifest('capabilities: [SYS_ADMIN]', 'berth.yml')).toThrow(/SYS_ADMIN cannot be granted/);
  });

  it.each([
    ['port: 70000', /port: must be <= 65535/],
    ['name: ../x', /app name "\.\.\/x" is not allowed/],
    ['colour: blue', /must not have additional properties \(colour\)/],
    ['env: {"1BAD": x}', /env/],
    ['domains: ["not a domain"]', /domains\.0/],
    ['healthcheck: {path: health}', /healthcheck\.path/],
    ['runtime: ruby', /runtime/],
    ['name: [unclosed', /cannot be parsed/],
    ['- a list', /expected a mapping/],
  ])('rejects %j naming the file and the key', (text, reason) => {
    expect(() => parseManifest(text, 'berth.yml')).toThrow(reason);
    expect(() => parseManifest(text, 'berth.yml')).toThrow(/^berth\.yml: /);
  });

  it('reports every problem at once', () => {
    expect(() => parseManifest('port: 0\ncolour: red\n', 'berth.yml')).toThrow(/port.*colour|colour.*port/);
  });
});

describe('resolveHealthCheck', () => {
  it('fills what the app did not set from the defaults', () => {
    expect(resolveHealthCheck({ path: '/up' })).toEqual({ path: '/up', timeoutMs: 3000, attempts: 20, intervalMs: 1000, waitMs: 0 });
  });
});
