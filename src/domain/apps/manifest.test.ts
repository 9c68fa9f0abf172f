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

  it.each([
    ['start', 'node server.js\nRUN touch /x'],
    ['start', 'node server.js\r'],
    ['build', 'npm run build\nUSER root'],
    ['build', 'make\tall'],
    ['start', 'node \x1b[2Jserver.js'],
    ['start', 'node\x00 server.js'],
    ['build', 'make\x7f'],
    ['start', 'node\u0085server.js'],
  ])('refuses a %s command with a control character (%j), naming the file and key', (key, command) => {
    const text = JSON.stringify({ [key]: command });
    expect(() => parseManifest(text, 'berth.json')).toThrow(`berth.json: ${key} must be one line without control characters`);
    // The same in YAML, where a quoted scalar carries the escape.
    expect(() => parseManifest(`${key}: ${JSON.stringify(command)}\n`, 'berth.yml')).toThrow(`berth.yml: ${key} must be one line without control characters`);
  });

  it('accepts one-line commands with any ordinary text', () => {
    expect(parseManifest('start: "sh -c \'exec app --name=café ✓\'"\nbuild: npm run build && npm test\n', 'berth.yml')).toMatchObject({
      start: "sh -c 'exec app --name=café ✓'",
      build: 'npm run build && npm test',
    });
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
