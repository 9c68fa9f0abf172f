import { describe, expect, it } from 'vitest';
import { validateGitRef, validateGitUrl } from './git.js';

describe('validateGitUrl', () => {
  it.each(['https://example.com/a/b.git', 'http://127.0.0.1:9000/repo.git', 'ssh://git@host/x.git', 'git@github.com:org/repo.git', '/srv/repos/app', 'file:///srv/repos/app'])(
    'accepts %s',
    (u) => expect(validateGitUrl(u)).toBe(u),
  );

  it.each(['ext::sh -c id', 'ext::sh', 'fd::3', '-uhttps://x', 'https://x.com/a b', 'relative/path', 'ftp://x/y', 'git://host/x', '', 'transport::https://x'])(
    'refuses %j with a reason',
    (u) => expect(() => validateGitUrl(u)).toThrow(/not allowed|required/),
  );
});

describe('validateGitRef', () => {
  it.each(['main', 'v1.2.3', 'feature/x', '0123abcd'])('accepts %s', (r) => expect(validateGitRef(r)).toBe(r));
  it.each(['--upload-pack=x', 'a..b', 'x y', 'ref;id', 'a.lock', ''])('refuses %j', (r) => expect(() => validateGitRef(r)).toThrow());
});
