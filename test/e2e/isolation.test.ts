// Owners are isolated on the network: a container of owner A cannot reach owner B's
// containers, nor the control plane's API port, while it reaches its own owner's containers.
// What an admin allows an owner (custom domains, capabilities) is all its apps get.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/http.js';
import { bootServer, containersNamed, docker, PROXY, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';

let server: TestServer;
const scratch = mkdtempSync(join(tmpdir(), 'berth-iso-'));

const ipOf = async (prefix: string) => {
  const [name] = await containersNamed(prefix);
  return (await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.Gateway}}{{end}}', name!)).stdout.trim().split(' ') as [string, string];
};

/** Tries a TCP connection from a one-off container of `app`; true when it connects. */
async function connects(app: string, ip: string, port: number): Promise<boolean> {
  const code = `import socket,sys\ntry:\n    socket.create_connection(("${ip}", ${port}), 2).close()\nexcept OSError as e:\n    print("refused:", e); sys.exit(1)`;
  const r = await server.cli(['run', app, '--', 'python3', '-c', code]);
  return r.code === 0;
}

beforeAll(async () => {
  server = await bootServer();
  for (const [app, owner] of [
    ['iso-a', 'alpha'],
    ['iso-b', 'beta'],
  ]) {
    const r = await server.cli(['deploy', join(ROOT, 'examples', 'python-hello'), '--app', app!, '--owner', owner!]);
    if (r.code !== 0) throw new Error(r.stderr);
  }
});

afterAll(() => shutdownServer(server, scratch));

describe('network isolation between owners', () => {
  it("puts each owner's containers on the owner's own network", async () => {
    const nets = (await docker('network', 'ls', '--format', '{{.Name}}')).stdout.split('\n');
    expect(nets).toEqual(expect.arrayContaining([`${TEST.network}-alpha`, `${TEST.network}-beta`]));
  });

  it("gives each owner's network a /24 of Berth's pool, not one of Docker's few default ranges", async () => {
    const subnet = async (owner: string) => (await docker('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', `${TEST.network}-${owner}`)).stdout.trim();
    const [a, b] = [await subnet('alpha'), await subnet('beta')];
    expect(a).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect(b).toMatch(/^10\.213\.\d+\.0\/24$/);
    expect(a).not.toBe(b);
  });

  it("reaches its own owner's containers", async () => {
    const [ipA] = await ipOf(`${TEST.prefix}-alpha-iso-a-`);
    expect(await connects('iso-a', ipA, 8000)).toBe(true);
  });

  it("cannot reach another owner's containers", async () => {
    const [ipB] = await ipOf(`${TEST.prefix}-beta-iso-b-`);
    expect(await connects('iso-a', ipB, 8000)).toBe(false);
  });

  it("cannot reach the control plane's API port", async () => {
    const [, gateway] = await ipOf(`${TEST.prefix}-alpha-iso-a-`);
    const apiPort = Number(new URL(server.url).port);
    expect(await connects('iso-a', gateway, apiPort)).toBe(false);
  });
});

describe('custom domains an admin allows', () => {
  const viaHost = (host: string) => get(`${PROXY}/`, { host });

  it("routes an allowed domain to the app, and refuses one the owner was not allowed", async () => {
    const refused = await server.cli(['domains', 'add', 'iso-a', 'shop.alpha.test']);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain('owner alpha is not allowed the domain shop.alpha.test');
    expect((await server.cli(['owners', 'allow', 'alpha', '--domain', 'alpha.test'])).code).toBe(0);
    const added = await server.cli(['domains', 'add', 'iso-a', 'shop.alpha.test']);
    expect(added.stdout).toContain('iso-a: shop.alpha.test');
    expect(await viaHost('shop.alpha.test')).toMatchObject({ status: 200, body: 'Hello from python-hello!\n' });
  });

  it('never gives one domain to two apps, and keeps a domain in use from being taken back', async () => {
    expect((await server.cli(['owners', 'allow', 'beta', '--domain', 'alpha.test'])).code).toBe(0);
    const taken = await server.cli(['domains', 'add', 'iso-b', 'shop.alpha.test']);
    expect(taken.code).toBe(4);
    expect(taken.stderr).toContain('already a domain of another app');
    const deny = await server.cli(['owners', 'deny', 'alpha', '--domain', 'alpha.test']);
    expect(deny.code).toBe(4);
    expect(deny.stderr).toContain('app iso-a uses shop.alpha.test');
    expect((await server.cli(['domains', 'remove', 'iso-a', 'shop.alpha.test'])).code).toBe(0);
    expect((await viaHost('shop.alpha.test')).status).toBe(404);
    expect((await server.cli(['owners', 'deny', 'alpha', '--domain', 'alpha.test'])).code).toBe(0);
  });
});

describe('capabilities', () => {
  const withCaps = () => {
    const dir = join(scratch, 'caps');
    cpSync(join(ROOT, 'examples', 'python-hello'), dir, { recursive: true });
    writeFileSync(join(dir, 'berth.yml'), 'healthcheck: {path: /health, interval: 0.5}\ncapabilities: [NET_BIND_SERVICE]\n');
    return dir;
  };
  const capsOf = async (prefix: string) => {
    // The newest release's container (an old one may still be draining).
    const deployment = (n: string) => Number(/-d(\d+)-/.exec(n)?.[1]);
    const [newest] = (await containersNamed(prefix)).sort((a, b) => deployment(b) - deployment(a));
    return (await docker('inspect', '-f', '{{json .HostConfig.CapDrop}} {{json .HostConfig.CapAdd}}', newest!)).stdout.trim();
  };

  it("fails a deploy declaring a capability the owner was not allowed, and keeps the old release", async () => {
    const r = await server.cli(['deploy', withCaps(), '--app', 'iso-a', '--owner', 'alpha']);
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toContain('owner alpha is not allowed the capability NET_BIND_SERVICE');
    expect(await capsOf(`${TEST.prefix}-alpha-iso-a-`)).toBe('["ALL"] null');
    const status = JSON.parse((await server.cli(['status', 'iso-a', '--json'])).stdout) as { status: string };
    expect(status.status).toBe('running');
  });

  it('adds back exactly the capabilities an admin allowed, all others dropped', async () => {
    expect((await server.cli(['owners', 'allow', 'alpha', '--capability', 'net_bind_service'])).code).toBe(0);
    const r = await server.cli(['deploy', withCaps(), '--app', 'iso-a', '--owner', 'alpha']);
    expect(r.code, r.stderr).toBe(0);
    expect(await capsOf(`${TEST.prefix}-alpha-iso-a-`)).toBe('["ALL"] ["NET_BIND_SERVICE"]');
    const deny = await server.cli(['owners', 'deny', 'alpha', '--capability', 'NET_BIND_SERVICE']);
    expect(deny.stderr).toContain('app iso-a declares capability NET_BIND_SERVICE');
  });

  it("refuses capabilities no admin may grant", async () => {
    const r = await server.cli(['owners', 'allow', 'alpha', '--capability', 'SYS_ADMIN']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SYS_ADMIN cannot be granted');
  });
});

describe('owners', () => {
  it('lists owners with their members, apps and grants, and deletes only an empty one with its network', async () => {
    const list = JSON.parse((await server.cli(['owners', '--json'])).stdout) as { name: string; apps: number; capabilities: string[] }[];
    expect(list.find((o) => o.name === 'alpha')).toMatchObject({ apps: 1, capabilities: ['NET_BIND_SERVICE'] });
    expect((await server.cli(['owners', 'delete', 'alpha'])).stderr).toContain('still has 1 app');
    expect((await server.cli(['destroy', 'iso-b', '--yes'])).code).toBe(0);
    expect((await server.cli(['owners', 'delete', 'beta'])).code).toBe(0);
    const nets = (await docker('network', 'ls', '--format', '{{.Name}}')).stdout.split('\n');
    expect(nets).not.toContain(`${TEST.network}-beta`);
  });
});
