// App containers cannot reach link-local addresses (169.254.0.0/16: a cloud VM's instance
// metadata and credentials). A network namespace stands in for the metadata service: it owns
// 169.254.77.77 behind a veth pair, so a container's packets take the same path through the
// host's forwarding as they would to 169.254.169.254 (which this test never contacts). The host
// also owns 169.254.77.1, for the path into the host itself. Needs root (ip netns, iptables).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, docker, ROOT, run, shutdownServer, startTestServer, TEST, type TestServer } from '../helpers/berth.js';

const tag = randomBytes(2).toString('hex');
const NS = `${TEST.prefix}-ll-${tag}`;
const HOST_VETH = `${TEST.prefix}${tag}h`; // interface names: 15 characters at most
const NS_VETH = `${TEST.prefix}${tag}n`;
const HOST_IP = '169.254.77.1';
const REMOTE_IP = '169.254.77.77';
const REMOTE_PORT = 8077;
const HOST_PORT = 8078;
const TAG = 'berth-link-local';

let server: TestServer;
let listener: ChildProcess | undefined;
let hostListener: Server | undefined;
let rulesBefore: string[] = [];

const must = async (cmd: string, args: string[]) => {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const ip = (...args: string[]) => must('ip', args);

/** Berth's tagged rules, as `iptables -S` prints them. */
async function taggedRules(): Promise<string[]> {
  const lines: string[] = [];
  for (const chain of ['DOCKER-USER', 'INPUT']) {
    const r = await run('iptables', ['-w', '5', '-S', chain]);
    lines.push(...r.stdout.split('\n').filter((l) => l.includes(`--comment ${TAG}`)));
  }
  return lines;
}

/** Deletes Berth's tagged rules by hand, as a dockerd restart or a firewall reload might. */
async function deleteTaggedRules(): Promise<void> {
  for (const line of await taggedRules()) await must('iptables', ['-w', '5', ...line.replace(/^-A /, '-D ').split(' ')]);
}

/** A TCP connect from the host itself. */
function hostConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 2000 });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

const connectSnippet = (host: string, port: number) => `import socket,sys\ntry:\n    socket.create_connection(("${host}", ${port}), 2).close()\nexcept OSError as e:\n    print("refused:", e); sys.exit(1)`;

/** Tries a TCP connection from a one-off container of `app` (`berth run`); true when it connects. */
async function containerConnects(app: string, host: string, port: number): Promise<boolean> {
  return (await server.cli(['run', app, '--', 'python3', '-c', connectSnippet(host, port)])).code === 0;
}

/** The app's web container. */
async function webContainer(): Promise<string> {
  const [name] = (await containersNamed(`${TEST.prefix}-default-egress-a-d`)).filter((n) => /-web-\d+$/.test(n));
  if (!name) throw new Error('no web container of egress-a');
  return name;
}

/** The same from inside the running app container: works while the Berth server is stopped. */
async function appConnects(host: string, port: number): Promise<boolean> {
  return (await docker('exec', await webContainer(), 'python3', '-c', connectSnippet(host, port))).code === 0;
}

async function appIp(): Promise<string> {
  return (await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', await webContainer())).stdout.trim();
}

async function removeNamespace(): Promise<void> {
  // Namespaces and veths of earlier, interrupted runs go too (the pair goes with its namespace).
  const stale = (await run('ip', ['netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${TEST.prefix}-ll-`));
  for (const ns of stale) await run('ip', ['netns', 'del', ns]);
  const links = (await run('ip', ['-o', 'link', 'show', 'type', 'veth'])).stdout.split('\n').map((l) => /^\d+: ([^@:]+)/.exec(l)?.[1]).filter((n): n is string => !!n && n.startsWith(TEST.prefix));
  for (const link of links) await run('ip', ['link', 'del', link]);
}

beforeAll(async () => {
  rulesBefore = await taggedRules();
  await removeNamespace();
  await ip('netns', 'add', NS);
  await ip('link', 'add', HOST_VETH, 'type', 'veth', 'peer', 'name', NS_VETH);
  await ip('link', 'set', NS_VETH, 'netns', NS);
  await ip('addr', 'add', `${HOST_IP}/32`, 'dev', HOST_VETH);
  await ip('link', 'set', HOST_VETH, 'up');
  await ip('route', 'add', `${REMOTE_IP}/32`, 'dev', HOST_VETH);
  await ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');
  await ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${REMOTE_IP}/32`, 'dev', NS_VETH);
  await ip('netns', 'exec', NS, 'ip', 'link', 'set', NS_VETH, 'up');
  await ip('netns', 'exec', NS, 'ip', 'route', 'add', `${HOST_IP}/32`, 'dev', NS_VETH);
  await ip('netns', 'exec', NS, 'ip', 'route', 'add', 'default', 'via', HOST_IP, 'dev', NS_VETH);
  // `ip netns exec` execs node, so this pid is the listener's own.
  // Clients here connect and close at once: a reset is expected, never fatal to the listener.
  const code = `require('node:net').createServer((s) => s.on('error', () => {}).end()).listen(${REMOTE_PORT}, '${REMOTE_IP}')`;
  listener = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', code], { stdio: 'ignore' });
  hostListener = createServer((s) => s.on('error', () => {}).end());
  await new Promise<void>((resolve, reject) => hostListener!.once('error', reject).listen(HOST_PORT, HOST_IP, resolve));
  for (let i = 0; i < 50 && !(await hostConnects(REMOTE_IP, REMOTE_PORT)); i++) await new Promise((r) => setTimeout(r, 100));

  server = await bootServer();
  const r = await server.cli(['deploy', join(ROOT, 'examples', 'python-hello'), '--app', 'egress-a']);
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  await shutdownServer(server);
  listener?.kill();
  await new Promise((r) => (hostListener ? hostListener.close(r) : r(undefined)));
  await run('ip', ['netns', 'del', NS]);
  await run('ip', ['link', 'del', HOST_VETH]); // gone with the namespace already, unless that failed
  // Leave the host as it was: the rules stay only if they were there before this suite.
  if (rulesBefore.length === 0) await deleteTaggedRules();
});

describe('link-local addresses (cloud instance metadata)', () => {
  it("the test's stand-ins answer the host: one routed through it, one it owns", async () => {
    expect(await hostConnects(REMOTE_IP, REMOTE_PORT)).toBe(true);
    expect(await hostConnects(HOST_IP, HOST_PORT)).toBe(true);
  });

  it('installs its tagged rules at start, for the default bridge and every bridge network', async () => {
    const rules = await taggedRules();
    for (const chain of ['DOCKER-USER', 'INPUT']) {
      for (const iface of ['docker0', 'br-+']) {
        expect(rules.some((l) => l.startsWith(`-A ${chain} `) && l.includes(`-i ${iface} `) && l.includes('-d 169.254.0.0/16'))).toBe(true);
      }
    }
  });

  it('keeps an app container from link-local addresses, routed through the host or owned by it, while it reaches its own app', async () => {
    expect(await containerConnects('egress-a', await appIp(), 8000)).toBe(true);
    expect(await containerConnects('egress-a', REMOTE_IP, REMOTE_PORT)).toBe(false);
    expect(await containerConnects('egress-a', HOST_IP, HOST_PORT)).toBe(false);
  });

  it('puts the rules back at the next start after something removed them', async () => {
    await server.stop();
    await deleteTaggedRules();
    // Without the rules the container does get through: the block above is the rules' doing.
    expect(await appConnects(REMOTE_IP, REMOTE_PORT)).toBe(true);
    expect(await appConnects(HOST_IP, HOST_PORT)).toBe(true);
    server = await server.restart();
    expect(await taggedRules()).toHaveLength(4);
    expect(await containerConnects('egress-a', REMOTE_IP, REMOTE_PORT)).toBe(false);
    expect(await containerConnects('egress-a', HOST_IP, HOST_PORT)).toBe(false);
  });

  it('refuses to start when it cannot install the rules, unless BERTH_ALLOW_LINK_LOCAL=true', async () => {
    await server.stop();
    const noIptables = { PATH: '/usr/local/bin:/usr/bin:/bin' }; // iptables lives in /usr/sbin
    const port = Number(new URL(server.url).port);
    const refused = await startTestServer({ dataDir: server.dataDir, port, env: noIptables }).then(
      async (started) => {
        await started.stop();
        return 'started';
      },
      (e: Error) => e.message,
    );
    expect(refused).toContain('cannot block app containers from link-local addresses');
    expect(refused).toContain('BERTH_ALLOW_LINK_LOCAL=true');
    server = await startTestServer({ dataDir: server.dataDir, port, env: { ...noIptables, BERTH_ALLOW_LINK_LOCAL: 'true' } });
    expect(server.output()).toContain('app containers can reach link-local addresses');
  });
});
