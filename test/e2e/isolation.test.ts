// Owners are isolated on the network: a container of owner A cannot reach owner B's
// containers, nor the control plane's API port, while it reaches its own owner's containers.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, docker, ROOT, shutdownServer, TEST, type TestServer } from '../helpers/berth.js';

let server: TestServer;

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

afterAll(() => shutdownServer(server));

describe('network isolation between owners', () => {
  it("puts each owner's containers on the owner's own network", async () => {
    const nets = (await docker('network', 'ls', '--format', '{{.Name}}')).stdout.split('\n');
    expect(nets).toEqual(expect.arrayContaining([`${TEST.network}-alpha`, `${TEST.network}-beta`]));
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
