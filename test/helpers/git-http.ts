// Serves git repositories over smart HTTP on loopback through `git http-backend`, so tests can
// deploy from a real http:// git URL.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runHttpBackend } from '../../src/infra/git/http-backend.js';
import { run } from './berth.js';

/**
 * A read-only smart-HTTP server for the bare repositories under `root`: Berth's own CGI runner.
 * With `password`, it wants `user:<password>` (HTTP Basic), as a private forge would.
 */
export async function serveGit(root: string, opts: { password?: string } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const want = opts.password === undefined ? undefined : `Basic ${Buffer.from(`user:${opts.password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    if (want !== undefined && req.headers.authorization !== want) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    const u = new URL(req.url ?? '/', 'http://localhost');
    void runHttpBackend(
      {
        projectRoot: root,
        pathInfo: decodeURIComponent(u.pathname),
        method: req.method ?? 'GET',
        query: u.search.slice(1),
        contentType: req.headers['content-type'],
        contentEncoding: req.headers['content-encoding'],
        gitProtocol: req.headers['git-protocol'] as string | undefined,
        // No remote user: http-backend refuses pushes, as a public forge would.
        remoteAddr: '127.0.0.1',
        env: {},
      },
      req,
      res,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Commits everything in `src` on `branch` and clones it bare into `repos/<name>`. */
export async function bareRepoFrom(src: string, branch: string, repos: string, name: string): Promise<void> {
  const git = (...args: string[]) => run('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: src });
  await git('init', '-q', '-b', branch);
  await git('add', '.');
  await git('commit', '-q', '-m', name);
  await run('git', ['clone', '-q', '--bare', src, join(repos, name)]);
}
