// berth.yml `volumes`: which names and paths are refused (and how it is said), and how a
// change of volumes reads in a release's description.
import { describe, expect, it } from 'vitest';
import type { AppRow } from '../../infra/db/rows.js';
import { parseManifest } from './manifest.js';
import { specChanges, specOfApp, specOfSource } from './release-spec.js';
import { volumeName, volumeProblems } from './volumes.js';

const yml = (volumes: string) => parseManifest(`volumes:\n${volumes}`, 'berth.yml');

describe('berth.yml volumes', () => {
  it('takes name: absolute path pairs', () => {
    expect(yml('  data: /data\n  uploads: /srv/app/uploads\n').volumes).toEqual({ data: '/data', uploads: '/srv/app/uploads' });
  });

  it.each([
    ['/', 'cannot be mounted at / (the whole file system)'],
    ['data', 'must be an absolute path'],
    ['/data/../etc', 'must be an absolute path'],
    ['/data/./x', 'must be an absolute path'],
    ['/data/', 'must be an absolute path'],
    ['//data', 'must be an absolute path'],
    ['/da ta', 'must be an absolute path'],
    ['/data,readonly', 'must be an absolute path'],
    ['/proc', 'is a system directory'],
    ['/proc/self', 'is a system directory'],
    ['/sys/fs', 'is a system directory'],
    ['/dev/shm', 'is a system directory'],
    ['/etc', 'is a system directory'],
    ['/usr', 'is a system directory'],
    ['/app', "is a system directory (or the app's code)"],
  ])('refuses the mount path %s, naming the volume', (path, said) => {
    expect(() => yml(`  data: ${JSON.stringify(path)}\n`)).toThrow(`berth.yml: volumes.data: `);
    expect(() => yml(`  data: ${JSON.stringify(path)}\n`)).toThrow(said);
  });

  it('allows paths below the app folder and below /var', () => {
    expect(yml('  files: /app/data\n  db: /var/lib/app\n').volumes).toEqual({ files: '/app/data', db: '/var/lib/app' });
  });

  it.each(['Data', 'd', 'my_data', 'a--b', '-x', '9lives', 'x'.repeat(31)])('refuses the volume name %s', (name) => {
    expect(() => yml(`  ${name}: /data\n`)).toThrow(`volumes.${name}: the name must be 2-30 lowercase letters`);
  });

  it('refuses two volumes at one path, more than ten volumes, and a path that is not a string', () => {
    expect(() => yml('  one: /data\n  two: /data\n')).toThrow("volumes.two: /data is volume one's path already");
    const eleven = Array.from({ length: 11 }, (_, i) => `  v${i}x: /v${i}\n`).join('');
    expect(() => yml(eleven)).toThrow('at most 10 volumes per app (11 given)');
    expect(() => yml('  data: 5\n')).toThrow('volumes.data');
    expect(() => parseManifest('volumes: [/data]\n', 'berth.yml')).toThrow('volumes');
  });

  it('lists every problem at once', () => {
    expect(volumeProblems({ root: '/', Bad: '/data', kernel: '/proc' })).toHaveLength(3);
  });

  it('names Docker volumes so that no two owners or apps can ever share one', () => {
    // With dashes only, owner a-b's app c and owner a's app b-c would both be berth-a-b-c-data.
    expect(volumeName('berth', 'a-b', 'c', 'data')).not.toBe(volumeName('berth', 'a', 'b-c', 'data'));
    expect(volumeName('berth', 'acme', 'shop', 'data')).toBe('berth-acme.shop.data');
  });
});

describe('volumes in the release spec', () => {
  const app = { id: 1, name: 'shop', owner: 'default', port: null, healthcheck: {}, env: {}, domains: [], capabilities: [], formation: {}, limits: {}, tls: true, hsts: false, cron: [], volumes: { data: '/data' } } as unknown as AppRow;

  it('come from berth.yml; a berth.yml without them unmounts them; no manifest at all keeps the app’s', () => {
    expect(specOfSource(app, { web: '' }, { env: {}, volumes: { data: '/data', cache: '/cache' } }, undefined).volumes).toEqual({ data: '/data', cache: '/cache' });
    expect(specOfSource(app, { web: '' }, { env: {} }, undefined).volumes).toEqual({});
    expect(specOfSource(app, { web: '' }, null, undefined).volumes).toEqual({ data: '/data' });
  });

  it('say what changed: +VOLUME, -VOLUME and a moved mount path', () => {
    const before = specOfApp(app, { web: '' });
    expect(specChanges(before, { ...before, volumes: { data: '/data', cache: '/cache' } })).toEqual(['+VOLUME cache']);
    expect(specChanges(before, { ...before, volumes: {} })).toEqual(['-VOLUME data']);
    expect(specChanges(before, { ...before, volumes: { data: '/srv/data' } })).toEqual(['VOLUME data /data→/srv/data']);
    expect(specChanges(before, before)).toEqual([]);
  });
});
