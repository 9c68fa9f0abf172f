import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa } from '../../domain/testing/test-ca.js';
import { parseConfig } from '../../config.js';
import type { Deps } from '../../domain/context.js';
import { internalCaRootPath } from '../../domain/tls/internal-ca.js';
import { openDb } from '../../infra/db/database.js';
import { buildHttpApp } from '../app.js';

describe('GET /api/v1/tls/ca', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-tls-route-'));
  const apps: FastifyInstance[] = [];
  const appWith = async (tls: string) => {
    const app = await buildHttpApp({ config: parseConfig({ dataDir, tls }), db: openDb(':memory:') } as unknown as Deps, Fastify().log);
    apps.push(app);
    return app;
  };
  beforeAll(async () => {
    const ca = await makeTestCa(dataDir);
    mkdirSync(dirname(internalCaRootPath({ dataDir })), { recursive: true });
    copyFileSync(ca.caFile, internalCaRootPath({ dataDir }));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives anyone the internal CA's root, without a token", async () => {
    const res = await (await appWith('internal')).inject({ method: 'GET', url: '/api/v1/tls/ca' });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ pem: string }>().pem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('answers 404 with the reason when certificates come from ACME', async () => {
    const res = await (await appWith('acme')).inject({ method: 'GET', url: '/api/v1/tls/ca' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { message: string } }>().error.message).toBe('Berth does not use its internal CA (BERTH_TLS=acme)');
  });
});
