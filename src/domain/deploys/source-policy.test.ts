import { describe, expect, it } from 'vitest';
import { checkGitSource, parseImageRef, planImage, validateGitRef, validateGitUrl, type ImageScope } from './source-policy.js';

describe('validateGitUrl', () => {
  it.each(['https://example.com/a/b.git', 'http://127.0.0.1:9000/repo.git', 'ssh://git@host/x.git', 'git@github.com:org/repo.git', '/srv/repos/app', 'file:///srv/repos/app'])(
    'accepts %s',
    (u) => expect(validateGitUrl(u)).toBe(u),
  );

  it.each(['ext::sh -c id', 'ext::sh', 'fd::3', '-uhttps://x', 'https://x.com/a b', 'relative/path', 'ftp://x/y', 'git://host/x', '', 'transport::https://x'])(
    'refuses %j with a reason',
    (u) => expect(() => validateGitUrl(u)).toThrow(/not allowed|required/),
  );

  it('never repeats a password in its refusal', () => {
    expect(() => validateGitUrl('https://u:s3cret@host/a b')).toThrow(/https:\/\/\*\*\*@host/);
    expect(() => validateGitUrl('https://u:s3cret@host/a b')).not.toThrow(/s3cret/);
  });
});

describe('validateGitRef', () => {
  it.each(['main', 'v1.2.3', 'feature/x', '0123abcd'])('accepts %s', (r) => expect(validateGitRef(r)).toBe(r));
  it.each(['--upload-pack=x', 'a..b', 'x y', 'ref;id', 'a.lock', ''])('refuses %j', (r) => expect(() => validateGitRef(r)).toThrow());
});

describe('checkGitSource', () => {
  it.each(['https://example.com/a.git', 'http://user:pw@127.0.0.1:1/r.git', 'ssh://git@host/x.git', 'git@github.com:org/repo.git'])('lets anyone deploy from %s', (url) => {
    expect(checkGitSource(url, 'main', { localSources: false })).toEqual({ url, ref: 'main' });
  });

  it.each(['/var/lib/berth/git/alpha/shop.git', 'file:///var/lib/berth/git/alpha/shop.git'])('keeps %s (a repository on the host) for admins', (url) => {
    expect(() => checkGitSource(url, 'main', { localSources: false })).toThrow('local git paths are for admins');
    expect(checkGitSource(url, 'main', { localSources: true }).url).toBe(url);
  });
});

describe('parseImageRef', () => {
  it.each<[string, string, string | undefined]>([
    ['busybox', 'busybox:latest', undefined],
    ['library/busybox:1', 'busybox:1', undefined],
    ['docker.io/library/busybox:1', 'busybox:1', 'docker.io'],
    ['index.docker.io/berth/base:bookworm', 'berth/base:bookworm', 'index.docker.io'],
    ['docker.io/library/a/b', 'library/a/b:latest', 'docker.io'],
    ['registry.example:5000/team/app:1.2', 'registry.example:5000/team/app:1.2', 'registry.example:5000'],
    ['localhost/x', 'localhost/x:latest', 'localhost'],
    ['localhost:5000', 'localhost:5000', undefined],
    [`ghcr.io/o/r@sha256:${'a'.repeat(64)}`, `ghcr.io/o/r@sha256:${'a'.repeat(64)}`, 'ghcr.io'],
  ])('reads %s as Docker names it locally: %s', (ref, name, domain) => {
    const r = parseImageRef(ref);
    expect(r.name).toBe(name);
    expect(r.domain).toBe(domain);
  });
});

describe('planImage', () => {
  const scope: ImageScope = { owner: 'beta', prefix: 'berthtest', baseImages: ['berth/base:bookworm', 'berth/node:bookworm'] };
  const id = 'f2c5d02e7b5d';

  it.each<[string, string, string]>([
    ['berthtest/beta/web:d3', 'own', 'berthtest/beta/web:d3'],
    ['berthtest/beta/other', 'own', 'berthtest/beta/other:latest'],
    ['berth/node:bookworm', 'base', 'berth/node:bookworm'],
    ['registry.example:5000/team/app:1.2', 'registry', 'registry.example:5000/team/app:1.2'],
    ['localhost/x', 'registry', 'localhost/x:latest'],
    ['docker.io/library/node:20', 'registry', 'docker.io/library/node:20'],
    ['docker.io/node', 'registry', 'docker.io/library/node:latest'],
    [`ghcr.io/o/r@sha256:${'b'.repeat(64)}`, 'registry', `ghcr.io/o/r@sha256:${'b'.repeat(64)}`],
  ])('allows %s as %s (%s)', (ref, kind, what) => {
    const plan = planImage(ref, scope);
    expect(plan.kind).toBe(kind);
    expect(plan.ref).toBe(what);
  });

  it.each<[string, RegExp]>([
    ['berthtest/alpha/web:d1', /is not one of beta's images/],
    ['berthtest/alpha/web', /is not one of beta's images/],
    ['berthtest/betax/web:d1', /is not one of beta's images/],
    ['docker.io/berthtest/alpha/web:d1', /names Berth's own image berthtest\/alpha\/web through docker.io/],
    ['docker.io/berthtest/beta/web:d1', /through docker.io/],
    ['index.docker.io/berth/base:bookworm', /through index.docker.io/],
    [`berthtest/beta/web@sha256:${'c'.repeat(64)}`, /by digest/],
    ['berth/node:other', /is not one of beta's images/],
    [id, /is an image id/],
    [`sha256:${id}`, /is an image id/],
    ['busybox', /is a local image of this host/],
    ['node:20', /is a local image of this host/],
    ['Bad:Ref', /not a valid image reference/],
  ])('refuses %s', (ref, why) => {
    expect(() => planImage(ref, scope)).toThrow(why);
  });

  it('says what is allowed instead', () => {
    try {
      planImage('berthtest/alpha/web:d1', scope);
    } catch (e) {
      expect((e as { hint: string }).hint).toContain('berthtest/beta/<app>:<tag>');
      expect((e as { hint: string }).hint).toContain('docker.io/library/node:20');
      return;
    }
    throw new Error('not refused');
  });
});
