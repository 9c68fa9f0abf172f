// Serves git repositories over smart HTTP on loopback through `git http-backend`, so tests can
// deploy from a real http:// git URL.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { run } from './berth.js';

export async function serveGit(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://localhost');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: '127.0.0.1',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
    };
    const child = spawn('git', ['http-backend'], { env });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const idx = head.indexOf('\r\n\r\n');
      if (idx < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, idx).toString().split('\r\n')) {
        const [k, ...v] = line.split(':');
        const value = v.join(':').trim();
        if (k!.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(k!, value);
      }
      res.writeHead(status);
      res.write(head.subarray(idx + 4));
    });
    child.on('close', () => res.end());
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
