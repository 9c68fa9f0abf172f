// Property-based fuzzing of the API (fast-check): malformed, random and oversized requests to
// every route never produce a 500 or a crash; every rejection is a 4xx with a reason.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, shutdownServer, type TestServer } from '../helpers/berth.js';

let server: TestServer;
let routes: { method: string; path: string }[] = [];

beforeAll(async () => {
  server = await bootServer({ images: false });
  const doc = (await (await server.fetch('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  // Revoking tokens by id would revoke the fuzzer's own, and the live event feed never ends;
  // those routes are tested on their own.
  routes = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })))
    .filter((r) => !(r.method === 'DELETE' && r.path.startsWith('/api/v1/tokens')) && r.path !== '/api/v1/events/stream');
});

afterAll(() => shutdownServer(server));

async function expectNo500(method: string, path: string, body: string | undefined, contentType = 'application/json'): Promise<void> {
  const res = await server.fetch(path, { method, ...(body === undefined ? {} : { body, headers: { 'Content-Type': contentType } }) });
  const text = await res.text();
  expect(res.status, `${method} ${path} ${body?.slice(0, 200)} -> ${text.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400 && !res.headers.get('content-type')?.includes('event-stream')) {
    const err = (JSON.parse(text) as { error?: { message?: string } }).error;
    expect(typeof err?.message, `${method} ${path}: ${text.slice(0, 200)}`).toBe('string');
  }
}

const fill = (path: string, app: string, id: string) => path.replace('{app}', encodeURIComponent(app)).replace('{id}', encodeURIComponent(id));

describe('fuzzing the API', () => {
  it('answers random JSON bodies and path parameters with 2xx or 4xx, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.jsonValue(),
        fc.string({ maxLength: 80 }),
        fc.oneof(fc.nat().map(String), fc.string({ maxLength: 20 })),
        async (route, body, app, id) => {
          const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
          await expectNo500(route.method, fill(route.path, app || 'x', id || '1'), hasBody ? JSON.stringify(body) : undefined);
        },
      ),
      { numRuns: 400 },
    );
  }, 300_000);

  it('answers malformed JSON with a 400', async () => {
    for (const r of routes.filter((x) => x.method === 'POST' || x.method === 'PATCH')) {
      const res = await server.fetch(fill(r.path, 'x', '1'), { method: r.method, body: '{"not json', headers: { 'Content-Type': 'application/json' } });
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
    }
  });

  it('answers an oversized body with a 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) });
    const res = await server.fetch('/api/v1/apps', { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('too_large');
  });

  it('answers random bytes with an odd content type with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded'), async (bytes, type) => {
        const res = await server.fetch('/api/v1/apps', { method: 'POST', body: Buffer.from(bytes), headers: { 'Content-Type': type } });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 50 },
    );
  });
});
