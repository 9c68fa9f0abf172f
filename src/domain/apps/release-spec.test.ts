import { describe, expect, it } from 'vitest';
import type { AppRow, ReleaseSpec } from '../../infra/db/rows.js';
import { applySettings, appWithSpec, checkSettings, specChanges, specOfApp, specOfSource } from './release-spec.js';

const app = {
  id: 1,
  name: 'shop',
  owner: 'default',
  port: 3000,
  healthcheck: { path: '/up' },
  env: { OLD: '1' },
  domains: ['a.example'],
  capabilities: [],
  formation: { web: 2 },
  limits: {},
  cron: [],
} as unknown as AppRow;

const spec = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({ ...specOfApp(app, { web: '' }), ...over });
const MAX = { memoryMb: 4096, cpus: 2 };

describe('the spec a build makes', () => {
  it('is what the app has when the source says nothing about itself', () => {
    expect(specOfSource(app, { web: '' }, null, undefined)).toEqual(spec());
  });

  it('takes berth.yml over app.json over what the app had; env is the manifests own', () => {
    const s = specOfSource(app, { web: '', worker: 'w' }, { env: { A: 'yml' }, port: 8080, domains: ['b.example'] }, {
      env: { A: 'json', B: 'json' },
      formation: { web: 5, worker: 3 },
      healthcheck: { path: '/health' },
    });
    expect(s).toMatchObject({ port: 8080, env: { A: 'yml', B: 'json' }, domains: ['b.example'], healthcheck: { path: '/health' }, capabilities: [] });
    // app.json's formation only fills in what nobody scaled: web stays at 2.
    expect(s.formation).toEqual({ web: 2, worker: 3 });
  });

  it('keeps domains and capabilities a berth.yml leaves out; takes its limits', () => {
    const s = specOfSource({ ...app, capabilities: ['NET_ADMIN'] }, { web: '' }, { env: {}, limits: { memoryMb: 256 } }, undefined);
    expect(s.domains).toEqual(['a.example']);
    expect(s.capabilities).toEqual([]);
    expect(s.limits).toEqual({ memoryMb: 256 });
  });
});

describe('a release that is not live yet', () => {
  it('runs with its own spec, not the app row', () => {
    const a = appWithSpec(app, spec({ port: 9000, domains: [] }));
    expect(a.port).toBe(9000);
    expect(a.domains).toEqual([]);
    expect(a.name).toBe('shop');
  });
});

describe('settings changes', () => {
  it('change only what they name; null goes back to the default', () => {
    const s = applySettings(spec({ limits: { memoryMb: 256, cpus: 0.5 } }), { port: null, healthcheck: { timeoutMs: 5000 }, limits: { cpus: null } });
    expect(s.port).toBeNull();
    expect(s.healthcheck).toEqual({ path: '/up', timeoutMs: 5000 });
    expect(s.limits).toEqual({ memoryMb: 256 });
    expect(applySettings(s, { healthcheck: null, limits: null })).toMatchObject({ healthcheck: {}, limits: {} });
  });

  it('are refused with every problem named', () => {
    expect(() => checkSettings({ port: 70000, healthcheck: { path: 'no slash' }, limits: { memoryMb: 8192, cpus: 0 } }, MAX)).toThrow(
      /port must be .*; health check path must start with \/.*; memory must be .* to 4096 .*; cpus must be from 0.01 to 2/,
    );
    expect(() => checkSettings({ port: 8080, healthcheck: { attempts: 3 }, limits: { memoryMb: 1024, cpus: 1.5 } }, MAX)).not.toThrow();
  });
});

describe('what changed between releases', () => {
  it('says each change in a few words', () => {
    const next = spec({
      port: 8080,
      domains: ['b.example'],
      env: { OLD: '2', NEW: 'x' },
      formation: { web: 3 },
      healthcheck: { path: '/health' },
      limits: { memoryMb: 1024 },
      processes: { web: '', worker: 'w' },
    });
    expect(specChanges(spec(), next)).toEqual([
      'port 3000→8080',
      'health path /up→/health',
      'memory default→1024 MB',
      '+DOMAIN b.example',
      '-DOMAIN a.example',
      'env +NEW ~OLD',
      '+process worker',
      'web 2→3',
    ]);
  });

  it('is nothing for the first release or an unchanged one', () => {
    expect(specChanges(undefined, spec())).toEqual([]);
    expect(specChanges(spec(), spec())).toEqual([]);
  });
});
