import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import type { Deps } from '../../domain/context.js';
import { openDb } from '../../infra/db/database.js';
import { buildHttpApp } from '../app.js';

// The git remote's refusals come from the one HTTP error handler, with what git needs of them.
describe("the git remote's refusals", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-git-route-'));
  let app: FastifyInstance;
  beforeAll(async () => {
    const deps = { config: parseConfig({ dataDir }), db: openDb(':memory:') } as unknown as Deps;
    app = await buildHttpApp(deps, Fastify().log);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks git for credentials with a Basic challenge when it comes without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/git/default/shop.git/info/refs?service=git-upload-pack' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Berth", charset="UTF-8"');
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: 'give an API token as the password' } });
  });

  it('answers a wrong token with 401 and the challenge, so git says authentication failed', async () => {
    const res = await app.inject({ method: 'GET', url: '/git/default/shop.git/info/refs', headers: { authorization: `Basic ${Buffer.from('x:berth_wrong').toString('base64')}` } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Basic');
  });

  it('answers a path that is no repository as not found', async () => {
    const res = await app.inject({ method: 'GET', url: '/git/default/shop/info/refs' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no such repository path' } });
  });

  it('sends no challenge with the 401s of the API', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/apps' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });
});
