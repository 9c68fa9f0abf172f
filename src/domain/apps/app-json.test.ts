import { describe, expect, it } from 'vitest';
import type { AppRow } from '../../infra/db/rows.js';
import { parseAppJson } from './procfile.js';
import { applySettings, specChanges, specOfSource } from './release-spec.js';

// Written from Dokku's app.json documentation (healthchecks, scripts.dokku) and Heroku's (scripts.postdeploy).
const WITH_COMMENTS = `{
  // Dokku reads comments in app.json
  "healthchecks": {
    "web": [
      {
        "type": "startup", /* gates the deploy */
        "name": "root",
        "description": "the home page says it is ready",
        "path": "/",
        "content": "ready",
        "initialDelay": 1,
        "wait": 2,
        "timeout": 3,
        "attempts": 4,
      },
      { "type": "liveness", "name": "alive", "path": "/live", "port": 9000 },
      { "type": "readiness", "path": "/ready" },
      { "name": "no type given", "path": "/up" },
    ],
    "worker": [{ "type": "liveness", "path": "/metrics", "port": 9100 }],
  },
  "scripts": {
    "dokku": { "predeploy": "node migrate.js", "postdeploy": "node notify.js" },
    "postdeploy": "node seed.js", // Heroku: once, after the app is created
  },
  "env": { "URL": "http://example.com/a//b" },
}
`;

describe('app.json as people write it for Dokku', () => {
  it('accepts // and /* */ comments and trailing commas, and keeps // inside strings', () => {
    const j = parseAppJson(WITH_COMMENTS);
    expect(j.env).toEqual({ URL: 'http://example.com/a//b' });
    expect(j.dokku).toEqual({ predeploy: 'node migrate.js', postdeploy: 'node notify.js' });
    expect(j.postdeploy).toBe('node seed.js');
  });

  it('reads every field of every health check, with Dokku defaults where one is left out', () => {
    const j = parseAppJson(WITH_COMMENTS);
    expect(j.checks).toEqual([
      { process: 'web', type: 'startup', name: 'root', description: 'the home page says it is ready', path: '/', content: 'ready', initialDelayMs: 1000, intervalMs: 2000, timeoutMs: 3000, attempts: 4 },
      { process: 'web', type: 'liveness', name: 'alive', path: '/live', port: 9000, initialDelayMs: 0, intervalMs: 5000, timeoutMs: 5000, attempts: 3 },
      { process: 'web', type: 'readiness', name: 'web readiness check 3', path: '/ready', initialDelayMs: 0, intervalMs: 5000, timeoutMs: 5000, attempts: 3 },
      { process: 'web', type: 'startup', name: 'no type given', path: '/up', initialDelayMs: 0, intervalMs: 5000, timeoutMs: 5000, attempts: 3 },
      { process: 'worker', type: 'liveness', name: 'worker liveness check 1', path: '/metrics', port: 9100, initialDelayMs: 0, intervalMs: 5000, timeoutMs: 5000, attempts: 3 },
    ]);
    // The first startup check of web on $PORT is the deploy's own wait for the app.
    expect(j.healthcheck).toEqual({ path: '/', attempts: 4, timeoutMs: 3000, intervalMs: 2000, waitMs: 1000 });
  });

  it('names the line and column of a syntax error', () => {
    expect(() => parseAppJson('{\n  "healthchecks": {\n    "web": [ { "path": "/" } ]\n    "oops": 1\n  }\n}')).toThrow('app.json: cannot be parsed: line 4, column 5: comma expected');
    expect(() => parseAppJson('{ /* never closed')).toThrow(/app.json: cannot be parsed: line 1, column 3: unexpected end of comment/);
    expect(() => parseAppJson('')).toThrow(/app.json: cannot be parsed/);
  });

  it.each([
    [{ type: 'sometimes' }, 'line 4: healthchecks.web[0].type must be one of startup, liveness, readiness'],
    [{ timeout: -1 }, 'line 4: healthchecks.web[0].timeout must be a number of seconds from 0.001 to 120'],
    [{ wait: '5' }, 'line 4: healthchecks.web[0].wait must be a number of seconds from 0 to 600'],
    [{ initialDelay: 9999 }, 'line 4: healthchecks.web[0].initialDelay must be a number of seconds from 0 to 600'],
    [{ attempts: 1.5 }, 'line 4: healthchecks.web[0].attempts must be a whole number from 1 to 1000'],
    [{ port: 70000 }, 'line 4: healthchecks.web[0].port must be a port number from 1 to 65535'],
    [{ path: 'health' }, 'line 4: healthchecks.web[0].path must start with / and contain no spaces'],
    [{ content: '' }, 'line 4: healthchecks.web[0].content must be text of 1 to 1000 characters on one line'],
    [{ name: 'a\nb' }, 'line 4: healthchecks.web[0].name must be text of 1 to 100 characters on one line'],
  ])('refuses the check %j naming the line and the field', (bad, message) => {
    const text = `{\n  "healthchecks": {\n    "web": [{\n      ${JSON.stringify(bad).slice(1, -1)}\n    }]\n  }\n}`;
    expect(() => parseAppJson(text)).toThrow(`app.json: ${message}`);
  });

  it('lists every bad value at once', () => {
    expect(() => parseAppJson(JSON.stringify({ healthchecks: { web: [{ timeout: 0, attempts: 0 }] } }))).toThrow(/timeout must be .*; line 1: healthchecks.web\[0\].attempts must be/);
  });

  it('refuses healthchecks that are not lists, and a check of a non-web type without a port', () => {
    expect(() => parseAppJson('{"healthchecks": []}')).toThrow('app.json: line 1: healthchecks must be an object of process types, each a list of checks');
    expect(() => parseAppJson('{"healthchecks": {"web": {"path": "/"}}}')).toThrow('healthchecks.web must be a list of checks');
    expect(() => parseAppJson('{"healthchecks": {"worker": [{"type": "liveness", "path": "/"}]}}')).toThrow('healthchecks.worker[0] checks a worker process, which is not routed on $PORT: give the check a port');
  });

  it("leaves out Dokku's command and uptime checks with a note, as Berth probes over HTTP", () => {
    const j = parseAppJson('{"healthchecks": {"web": [{"command": ["true"]}, {"uptime": 10}, {"path": "/up"}]}}');
    expect(j.checks?.map((c) => c.path)).toEqual(['/up']);
    expect(j.notes).toEqual([
      'app.json: healthchecks.web[0]: Berth runs HTTP checks (a path); this command check is left out',
      'app.json: healthchecks.web[1]: Berth runs HTTP checks (a path); this uptime check is left out',
    ]);
  });

  it('refuses a Dokku script that is not a one-line command', () => {
    expect(() => parseAppJson('{\n "scripts": {"dokku": {\n  "predeploy": 5}}}')).toThrow('app.json line 3: scripts.dokku.predeploy must be a command');
    expect(() => parseAppJson(JSON.stringify({ scripts: { dokku: { postdeploy: 'a\nb' } } }))).toThrow('app.json: scripts.dokku.postdeploy must be one line without control characters');
  });

  it('has no checks and no health check of its own when healthchecks is absent', () => {
    const j = parseAppJson('{}');
    expect(j.checks).toEqual([]);
    expect(j.healthcheck).toBeUndefined();
  });
});

describe("app.json's health checks in a release's spec", () => {
  const app = { id: 1, name: 'shop', owner: 'default', port: 3000, healthcheck: { path: '/up' }, env: {}, domains: [], capabilities: [], formation: {}, limits: {}, cron: [] } as unknown as AppRow;
  const j = parseAppJson('{"healthchecks": {"web": [{"type": "liveness", "path": "/live"}]}}');

  it("come with the source's app.json, and go when the source no longer has them", () => {
    const withChecks = specOfSource(app, { web: '' }, null, j);
    expect(withChecks.healthcheck.checks).toEqual(j.checks);
    const running = { ...app, healthcheck: withChecks.healthcheck };
    expect(specOfSource(running, { web: '' }, null, undefined).healthcheck.checks).toBeUndefined();
    expect(specOfSource(running, { web: '' }, null, parseAppJson('{}')).healthcheck.checks).toBeUndefined();
    expect(specChanges(withChecks, specOfSource(running, { web: '' }, null, undefined))).toContain('health checks 1→0');
  });

  it('stay when berth settings puts the health check back to its defaults', () => {
    const withChecks = specOfSource(app, { web: '' }, null, j);
    expect(applySettings(withChecks, { healthcheck: null }).healthcheck).toEqual({ checks: j.checks });
  });
});
