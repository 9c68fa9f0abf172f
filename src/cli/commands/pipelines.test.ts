import { describe, expect, it } from 'vitest';
import { gitRemoteSetup } from './pipelines.js';

describe('gitRemoteSetup', () => {
  it("tells git to trust the login's CA file for Berth's https address only", () => {
    expect(gitRemoteSetup('https://berth.example.com:8443/git/default/shop.git', 'main', '/home/me/berth ca.pem')).toEqual([
      'add it with: git remote add berth https://berth.example.com:8443/git/default/shop.git',
      "and trust Berth's CA for it: git config http.https://berth.example.com:8443/.sslCAInfo '/home/me/berth ca.pem'",
      'pushes to main deploy; git asks for a password: give an API token (any user name)',
    ]);
  });

  it('adds no CA line without a CA file or for a plain http remote', () => {
    expect(gitRemoteSetup('https://berth.example.com/git/default/shop.git', 'main')).toHaveLength(2);
    expect(gitRemoteSetup('http://127.0.0.1:7070/git/default/shop.git', 'main', '/ca.pem')).toHaveLength(2);
  });
});
