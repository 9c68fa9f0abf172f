// Serves git's smart HTTP protocol by running `git http-backend` (CGI) for one request:
// the request body streams into it, its headers and body stream back. Callers authenticate
// and authorize first; `env` carries what the repository's hooks need. Like every git Berth
// runs, it gets an empty HOME of its own and no system or global config (see gitEnv).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { gitEnv } from './git.js';

export interface BackendRequest {
  projectRoot: string;
  /** /<owner>/<app>.git/info/refs etc. */
  pathInfo: string;
  method: string;
  query: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  gitProtocol: string | undefined;
  /** The authenticated caller; without one, http-backend refuses pushes. */
  remoteUser?: string;
  remoteAddr: string;
  env: Record<string, string>;
}

export function runHttpBackend(r: BackendRequest, body: Readable | IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    // Root's ~/.gitconfig could set core.hooksPath or receive.* for every repository: an empty
    // HOME per request (removed when git is done), inherited by the hook, keeps it out.
    const home = mkdtempSync(join(tmpdir(), 'berth-git-home-'));
    const child = spawn('git', ['http-backend'], {
      env: {
        ...gitEnv({ home, path: process.env.PATH }),
        GIT_PROJECT_ROOT: r.projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: r.pathInfo,
        REQUEST_METHOD: r.method,
        QUERY_STRING: r.query,
        CONTENT_TYPE: r.contentType ?? '',
        HTTP_CONTENT_ENCODING: r.contentEncoding ?? '',
        GIT_PROTOCOL: r.gitProtocol ?? '',
        // When set, http-backend allows pushes (receive-pack) for this authenticated caller.
        ...(r.remoteUser ? { REMOTE_USER: r.remoteUser } : {}),
        REMOTE_ADDR: r.remoteAddr,
        ...r.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    body.pipe(child.stdin);
    child.stdin.on('error', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const key = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
        else res.setHeader(key, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    child.on('close', () => {
      rmSync(home, { recursive: true, force: true });
      if (!headersDone) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.write(`git http-backend failed: ${stderr.trim()}\n`);
      }
      res.end();
      resolve();
    });
  });
}
