import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import type { Deps } from '../domain/context.js';
import { isBerthError } from '../errors.js';
import { openDb } from '../infra/db/database.js';
import { checkDeclaration, installAccess } from './access.js';
import { buildHttpApp } from './app.js';

describe('route declarations', () => {
  it.each([
    ['/api/v1/apps/:app/ps', { acts: 'app' as const }],
    ['/api/v1/deployments/:id', { acts: 'deployment' as const }],
    ['/api/v1/builds/:id/log', { acts: 'build' as const }],
    ['/api/v1/apps/:app/deploys', { acts: 'app' as const, createsApp: true }],
    ['/api/v1/tokens/:id', { viewerMay: true }],
    ['/api/v1/apps', {}],
    ['/git/*', { auth: 'self' as const }],
  ])('accepts %s declared as %j', (url, config) => {
    expect(() => checkDeclaration({ url, config })).not.toThrow();
  });

  it.each([
    ['/api/v1/apps/:app/ps', {}, "names an app: declare config.acts 'app'"],
    ['/api/v1/apps/:app/ps', { acts: 'deployment' as const }, "names an app: declare config.acts 'app'"],
    ['/api/v1/deployments/:id', { acts: 'app' as const }, 'acts on a app but has no :app'],
    ['/api/v1/builds', { acts: 'build' as const }, 'acts on a build but has no :id'],
    ['/api/v1/deployments/:id', { acts: 'deployment' as const, createsApp: true }, "may create an app only with config.acts 'app'"],
  ])('refuses %s declared as %j', (url, config, message) => {
    expect(() => checkDeclaration({ url, config })).toThrow(message);
  });

  it('registers every route of the API: each one that names an app or a deployment declares it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-access-'));
    try {
      const deps = { config: parseConfig({ dataDir }), db: openDb(':memory:') } as unknown as Deps;
      const app = await buildHttpApp(deps, Fastify().log);
      await app.ready();
      expect(app.printRoutes()).toContain(':app');
      await app.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('access by what a route declares', () => {
  const db = openDb(':memory:');
  const deps = { db } as unknown as Deps;
  let app: FastifyInstance;

  beforeAll(async () => {
    db.owners.ensure('default');
    db.owners.ensure('other');
    const member = db.users.insert('mia', 'member');
    db.users.addMembership(member.id, 'default');
    const mine = db.apps.insert({ name: 'shop', owner: 'default' });
    const theirs = db.apps.insert({ name: 'vault', owner: 'other' });
    for (const a of [mine, theirs]) db.deployments.insert({ appId: a.id, buildId: db.builds.insert({ appId: a.id, sourceKind: 'image', source: 'x' }).id });

    app = Fastify();
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (req) => {
      req.principal = { user: member, tokenId: 1 };
    });
    app.setErrorHandler((err: Error, _req, reply) => reply.status(isBerthError(err) ? err.status : 500).send({ message: err.message }));
    installAccess(app, deps);
    const echo = async (req: { params: unknown }) => req.params;
    app.get('/apps/:app/ps', { config: { acts: 'app' } }, echo);
    app.post('/apps/:app/deploys', { config: { acts: 'app', createsApp: true } }, echo);
    // A path with /deploys in it that does not declare it may create the app: no creation.
    app.post('/apps/:app/deploys/dry-run', { config: { acts: 'app' } }, echo);
    app.get('/deployments/:id', { config: { acts: 'deployment' } }, echo);
    app.get('/apps', async () => 'listed');
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const call = async (method: 'GET' | 'POST', url: string) => {
    const res = await app.inject({ method, url });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };

  it("rewrites an app the caller may see to its canonical owner/name", async () => {
    expect(await call('GET', '/apps/shop/ps')).toEqual({ status: 200, body: { app: 'default/shop' } });
  });

  it("answers an app of another owner as not found, never forbidden", async () => {
    expect((await call('GET', '/apps/vault/ps')).status).toBe(404);
    expect((await call('GET', '/apps/other%2Fvault/ps')).status).toBe(404);
  });

  it('lets ?create=true name a new app only on a route that declares it may create one', async () => {
    expect((await call('POST', '/apps/fresh/deploys?create=true')).status).toBe(200);
    expect((await call('POST', '/apps/fresh/deploys')).status).toBe(404);
    expect((await call('POST', '/apps/fresh/deploys/dry-run?create=true')).status).toBe(404);
    // Creating under an owner the caller is not a member of is forbidden.
    expect((await call('POST', '/apps/other%2Ffresh/deploys?create=true')).status).toBe(403);
  });

  it("checks a deployment's app, and answers any other spelling of its id as not found", async () => {
    expect(await call('GET', '/deployments/1')).toEqual({ status: 200, body: { id: 1 } });
    expect((await call('GET', '/deployments/2')).status).toBe(404);
    expect((await call('GET', '/deployments/01')).status).toBe(404);
  });

  it('checks nothing on a route that acts on no app', async () => {
    expect((await app.inject({ method: 'GET', url: '/apps' })).body).toBe('listed');
  });

  it('refuses to register a route that names an app without declaring it', () => {
    const bad = Fastify();
    installAccess(bad, deps);
    expect(() => bad.get('/apps/:app/secret', async () => 'x')).toThrow("declare config.acts 'app'");
  });
});
