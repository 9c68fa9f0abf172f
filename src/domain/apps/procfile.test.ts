import { describe, expect, it } from 'vitest';
import { checkContainerCount, containerCount, MAX_PROCESS_TYPES, parseAppJson, parseProcfile } from './procfile.js';

describe('parseProcfile', () => {
  it.each([
    ['web: node server.js', { web: 'node server.js' }],
    ['web: node server.js\nworker: node worker.js\n', { web: 'node server.js', worker: 'node worker.js' }],
    ['# the app\n\nweb: gunicorn app:app   # served by gunicorn\n', { web: 'gunicorn app:app' }],
    ['web: echo "#1 not a comment" && serve', { web: 'echo "#1 not a comment" && serve' }],
    ['release: ./migrate.sh\r\nweb:serve', { release: './migrate.sh', web: 'serve' }],
    ['web: sh -c \'exec app --port=$PORT\'', { web: "sh -c 'exec app --port=$PORT'" }],
  ])('reads %j', (text, expected) => {
    expect(parseProcfile(text)).toEqual(expected);
  });

  it.each([
    ['just a command', /line 1: expected "type: command"/],
    ['Web: x', /process type "Web"/],
    ['web:', /web has no command/],
    ['web: a\nweb: b', /line 2: process type web is defined twice/],
  ])('refuses %j', (text, reason) => {
    expect(() => parseProcfile(text)).toThrow(reason);
  });

  it.each([
    ['a lone carriage return', 'web: node server.js\rRUN touch /x', 1, 'web'],
    ['an escape sequence', 'web: node server.js\nworker: echo \x1b]52;c;ZXZpbA==\x07', 2, 'worker'],
    ['a tab inside the command', 'web: node\tserver.js', 1, 'web'],
    ['NUL', 'release: migrate\x00', 1, 'release'],
    ['DEL', 'web: serve\x7f', 1, 'web'],
    ['a C1 control', 'web: serve\u009b2J', 1, 'web'],
  ])('refuses a command with %s, naming the line and type', (_what, text, line, type) => {
    expect(() => parseProcfile(text)).toThrow(`Procfile line ${line}: ${type} must be one line without control characters`);
  });
});

describe('parseAppJson', () => {
  it("reads formation, the web health check, scripts and env defaults", () => {
    const j = parseAppJson(
      JSON.stringify({
        formation: { web: { quantity: 2 }, worker: { quantity: 1 } },
        healthchecks: { web: [{ type: 'startup', path: '/up', attempts: 5, timeout: 2 }] },
        scripts: { predeploy: 'migrate', postdeploy: 'seed' },
        env: { MODE: { value: 'prod' }, PLAIN: 'x', SECRET: { required: true } },
      }),
    );
    // The first web startup check is also the deploy's own check, with Dokku's defaults filled in (wait 5 s).
    expect(j).toMatchObject({
      formation: { web: 2, worker: 1 },
      healthcheck: { path: '/up', attempts: 5, timeoutMs: 2000, intervalMs: 5000, waitMs: 0 },
      predeploy: 'migrate',
      postdeploy: 'seed',
      env: { MODE: 'prod', PLAIN: 'x' },
    });
  });

  it.each(['predeploy', 'postdeploy'])('refuses a %s script with a control character', (key) => {
    for (const bad of ['migrate\nrm -rf /', 'migrate\r', 'seed \x1b[2J', 'seed\u0090']) {
      expect(() => parseAppJson(JSON.stringify({ scripts: { [key]: bad } }))).toThrow(`app.json: scripts.${key} must be one line without control characters`);
    }
  });

  it('refuses a bad quantity', () => {
    expect(() => parseAppJson('{"formation":{"web":{"quantity":-1}}}')).toThrow(/formation.web/);
  });
});

describe('how much one app may run', () => {
  const procfile = (n: number) => Array.from({ length: n }, (_, i) => `p${i}: run ${i}`).join('\n');

  it(`takes ${MAX_PROCESS_TYPES} process types and refuses the next, naming the line and the limit (10 000 used to be accepted)`, () => {
    expect(Object.keys(parseProcfile(procfile(MAX_PROCESS_TYPES)))).toHaveLength(MAX_PROCESS_TYPES);
    expect(() => parseProcfile(procfile(10_000))).toThrow(`Procfile line ${MAX_PROCESS_TYPES + 1}: more than ${MAX_PROCESS_TYPES} process types; an app may declare at most ${MAX_PROCESS_TYPES}`);
  });

  it('refuses an app.json formation naming too many process types', () => {
    const formation = Object.fromEntries(Array.from({ length: MAX_PROCESS_TYPES + 1 }, (_, i) => [`p${i}`, { quantity: 1 }]));
    expect(() => parseAppJson(JSON.stringify({ formation }))).toThrow(`app.json: formation names ${MAX_PROCESS_TYPES + 1} process types; an app may declare at most ${MAX_PROCESS_TYPES}`);
  });

  it.each([
    [{ web: 'a', worker: 'b', release: 'c' }, {}, 1],
    [{ web: 'a', worker: 'b', release: 'c' }, { worker: 2 }, 3],
    [{ web: 'a', worker: 'b' }, { web: 3 }, 3],
    [{ web: 'a' }, { web: 0, ghost: 9 }, 0],
  ])('counts the containers of %j at formation %j as %i (web 1 and others 0 unless scaled; release runs once, not kept)', (processes, formation, n) => {
    expect(containerCount(processes, formation)).toBe(n);
  });

  it('refuses a formation over the per-app container limit, naming it', () => {
    expect(() => checkContainerCount({ web: 'a', worker: 'b' }, { web: 15, worker: 6 }, 20)).toThrow('web=15 worker=6 is 21 containers; an app may run at most 20');
    expect(() => checkContainerCount({ web: 'a', worker: 'b' }, { web: 15, worker: 5 }, 20)).not.toThrow();
  });
});
