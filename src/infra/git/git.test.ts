import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneRepo, gitArgs, gitEnv, redactSecrets, redactUrl, withGitHome } from './git.js';

describe('gitEnv', () => {
  const rootish = { HOME: '/root', PATH: '/usr/bin', SSH_AUTH_SOCK: '/tmp/agent.sock', XDG_CONFIG_HOME: '/root/.config', GIT_CONFIG_GLOBAL: '/root/.gitconfig', GIT_SSH_COMMAND: 'ssh -i /root/.ssh/id_rsa', GIT_ASKPASS: '/usr/bin/pass', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.hooksPath', GIT_CONFIG_VALUE_0: '/x', GIT_CONFIG_PARAMETERS: "'credential.helper'='store'" };

  it("gives git an empty HOME of Berth's, and none of root's config, agent, keys or credentials", () => {
    const env = gitEnv({ home: '/tmp/berth-git-home-x', knownHosts: '/var/lib/berth/ssh/known_hosts', inherit: rootish });
    expect(env.HOME).toBe('/tmp/berth-git-home-x');
    expect(env.XDG_CONFIG_HOME).toBe('/tmp/berth-git-home-x/.config');
    expect(env).toMatchObject({ GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' });
    expect(env.SSH_AUTH_SOCK).toBeUndefined();
    for (const k of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_CONFIG_PARAMETERS']) expect(env[k], k).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain('/root');
  });

  it('runs ssh with no config file, agent or key, and host keys in Berth\'s own file', () => {
    const ssh = gitEnv({ home: '/h', knownHosts: "/var/lib/be'rth/ssh/known_hosts" }).GIT_SSH_COMMAND!;
    expect(ssh).toMatch(/^ssh -F \/dev\/null /);
    for (const o of ['BatchMode=yes', 'IdentitiesOnly=yes', 'IdentityFile=none', 'IdentityAgent=none', 'StrictHostKeyChecking=accept-new']) expect(ssh).toContain(`-o ${o}`);
    // The path is one word for the shell git runs the command with.
    expect(ssh).toContain(`-o UserKnownHostsFile='/var/lib/be'\\''rth/ssh/known_hosts'`);
    // Without a known-hosts file, ssh trusts no host at all.
    expect(gitEnv({ home: '/h' }).GIT_SSH_COMMAND).toContain('-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/dev/null');
  });

  it("keeps a hook's quarantine variables, and nothing else of its environment", () => {
    const env = gitEnv({ home: '/h', inherit: { ...rootish, GIT_DIR: '.', GIT_QUARANTINE_PATH: '/r/objects/tmp', GIT_OBJECT_DIRECTORY: '/r/objects/tmp', GIT_ALTERNATE_OBJECT_DIRECTORIES: '/r/objects' } });
    expect(env).toMatchObject({ GIT_DIR: '.', GIT_QUARANTINE_PATH: '/r/objects/tmp', GIT_OBJECT_DIRECTORY: '/r/objects/tmp', GIT_ALTERNATE_OBJECT_DIRECTORIES: '/r/objects', HOME: '/h', GIT_CONFIG_GLOBAL: '/dev/null' });
    expect(env.GIT_SSH_COMMAND).not.toContain('id_rsa');
    expect(env.GIT_ASKPASS).toBe('true');
  });
});

describe('gitArgs', () => {
  it('allows http(s) and ssh, local files only when asked, and no credential helper', () => {
    const net = gitArgs(['fetch']);
    expect(net).toEqual(expect.arrayContaining(['protocol.allow=never', 'protocol.https.allow=always', 'protocol.ssh.allow=always', 'protocol.file.allow=never', 'credential.helper=']));
    expect(net.at(-1)).toBe('fetch');
    expect(gitArgs(['fetch'], { allowFile: true })).toContain('protocol.file.allow=always');
  });
});

describe('redaction', () => {
  it.each([
    ['https://user:s3cret@example.com/a.git', 'https://***@example.com/a.git'],
    ['http://ghp_token123@127.0.0.1:9000/r.git#main', 'http://***@127.0.0.1:9000/r.git#main'],
    ["fatal: unable to access 'https://u:p%40ss@host/x/': 403", "fatal: unable to access 'https://***@host/x/': 403"],
    ['https://u:pa@ss@host/x', 'https://***@host/x'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['https://example.com/a.git and mail me@example.com', 'https://example.com/a.git and mail me@example.com'],
  ])('shows %s as %s', (text, shown) => expect(redactUrl(text)).toBe(shown));

  it("removes a URL's password from git's messages wherever it appears, decoded too", () => {
    const url = 'https://bob:p%40ssw0rd@host/x';
    expect(redactSecrets('auth for bob with p@ssw0rd failed at https://bob:p%40ssw0rd@host/x', url)).toBe('auth for bob with *** failed at https://***@host/x');
  });
});

describe('cloneRepo', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'berth-git-test-'));
  const secret = join(scratch, 'secret');
  const home = join(scratch, 'home');
  const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };

  beforeAll(() => {
    mkdirSync(secret);
    mkdirSync(home);
    const g = (...a: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: secret, env: { PATH: process.env.PATH, HOME: home } });
    g('init', '-q', '-b', 'main');
    writeFileSync(join(secret, 'secret.txt'), 'root only\n');
    g('add', '.');
    g('commit', '-q', '-m', 'secret');
    // Root's global config: a rewrite of a harmless URL to a repository only root may read.
    writeFileSync(join(home, '.gitconfig'), `[url "file://${secret}"]\n\tinsteadOf = http://127.0.0.1:9/x\n`);
    process.env.HOME = home;
    delete process.env.XDG_CONFIG_HOME;
  });

  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    rmSync(scratch, { recursive: true, force: true });
  });

  it("ignores the server user's ~/.gitconfig: a url.insteadOf there cannot turn a URL into a local repository", async () => {
    const dir = join(scratch, 'clone');
    // allowFile: even a deploy that may read local paths must not be redirected by root's config.
    const clone = cloneRepo({ url: 'http://127.0.0.1:9/x', ref: 'main', dir, allowFile: true, knownHosts: join(scratch, 'ssh', 'known_hosts') });
    await expect(clone).rejects.toThrow(/cannot fetch main from http:\/\/127\.0\.0\.1:9\/x: .*(connect|refused)/i);
    expect(existsSync(join(dir, 'secret.txt'))).toBe(false);
  });

  it('clones a local path when allowed', async () => {
    const dir = join(scratch, 'local');
    const sha = await cloneRepo({ url: secret, ref: 'main', dir, allowFile: true, knownHosts: join(scratch, 'ssh', 'known_hosts') });
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(existsSync(join(dir, 'secret.txt'))).toBe(true);
  });

  it('runs git in a HOME that is empty and removed after', async () => {
    let seen = '';
    await withGitHome(async (h) => {
      seen = h;
      expect(readdirSync(h)).toEqual([]);
    });
    expect(seen).toContain('berth-git-home-');
    expect(existsSync(seen)).toBe(false);
  });

  it('refuses a local path when local files are not allowed', async () => {
    await expect(cloneRepo({ url: `file://${secret}`, ref: 'main', dir: join(scratch, 'refused'), allowFile: false, knownHosts: join(scratch, 'ssh', 'known_hosts') })).rejects.toThrow(/cannot fetch main/);
  });

  it("never puts a URL's password in its error", async () => {
    const err = await cloneRepo({ url: 'http://user:s3cretpw@127.0.0.1:9/x', ref: 'main', dir: join(scratch, 'pw'), allowFile: false, knownHosts: join(scratch, 'ssh', 'known_hosts') }).then(
      () => new Error('cloned'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toContain('http://***@127.0.0.1:9/x');
    expect(err.message).not.toContain('s3cretpw');
  });
});
