// Zero-downtime releases: requests keep flowing through the proxy (bounded, loopback only)
// while the app is redeployed three times, its config changes and it rolls back; and while a
// release that fails its health check is refused. No request fails; every answer comes from
// a healthy release.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, PROXY, shutdownServer, type TestServer } from '../helpers/berth.js';
import { startLoad } from '../helpers/load.js';

let server: TestServer;
const work = mkdtempSync(join(tmpdir(), 'berth-zd-'));

/** A small threaded stdlib app answering "<version> <GREETING>". */
function appDir(version: string, opts: { healthy?: boolean } = {}): string {
  const dir = join(work, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), 'ARG BERTH_IMAGE_PYTHON\nFROM ${BERTH_IMAGE_PYTHON}\nCOPY app.py /app.py\nCMD ["python3", "/app.py"]\n');
  writeFileSync(
    join(dir, 'app.py'),
    [
      'import os',
      'from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer',
      'class H(BaseHTTPRequestHandler):',
      '    protocol_version = "HTTP/1.1"',
      '    def do_GET(self):',
      `        status = 500 if (self.path == "/health" and ${opts.healthy === false ? 'True' : 'False'}) else 200`,
      `        body = ("${version} " + os.environ.get("GREETING", "hello")).encode()`,
      '        self.send_response(status); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)',
      '    def log_message(self, *a): pass',
      'ThreadingHTTPServer(("", int(os.environ["PORT"])), H).serve_forever()',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'berth.yml'), 'name: steady\nhealthcheck: {path: /health, attempts: 4, interval: 0.5}\n');
  return dir;
}

beforeAll(async () => {
  server = await bootServer();
  const r = await server.cli(['deploy', appDir('v1')]);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(() => shutdownServer(server, work));

describe('zero-downtime releases', () => {
  it('serves every request across three redeploys, a config change and a rollback', async () => {
    const load = startLoad(`${PROXY}/`, 'steady.localhost');
    const steps: [string, string[]][] = [
      ['deploy v2', ['deploy', appDir('v2')]],
      ['deploy v3', ['deploy', appDir('v3')]],
      ['deploy v4', ['deploy', appDir('v4')]],
      ['config change', ['config', 'set', 'steady', 'GREETING=bonjour']],
      ['rollback', ['rollback', 'steady']],
    ];
    for (const [what, args] of steps) {
      const r = await server.cli(args);
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const result = await load.stop();
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.sent).toBeGreaterThan(100);
    // Every answer came from a release that passed its health check.
    expect([...result.bodies.keys()].sort()).toEqual(['v1 hello', 'v2 hello', 'v3 hello', 'v4 bonjour', 'v4 hello']);
  });

  it('keeps serving the old release, without a failed request, when the new one fails its health check', async () => {
    const load = startLoad(`${PROXY}/`, 'steady.localhost');
    const r = await server.cli(['deploy', appDir('v5', { healthy: false })]);
    const result = await load.stop();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/health check failed: the app never became healthy after 4 attempts; last error: GET http:\/\/[\d.]+:8080\/health \(Host: steady\.localhost\) answered 500/);
    expect(result.failed).toBe(0);
    expect([...result.bodies.keys()]).toEqual(['v4 hello']);
    const d = JSON.parse((await server.cli(['deployments', 'steady', '--json'])).stdout) as { status: string }[];
    expect(d[0]!.status).toBe('failed');
  });
});
