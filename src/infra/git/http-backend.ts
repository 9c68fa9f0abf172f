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
  /**
   * The most request body git may receive (a push's pack). Past it git gets end-of-input, so
   * the half-received pack is discarded in its quarantine and no ref moves, and the pusher is
   * told `refusal` (as a `remote:` line when the client reads side-band messages).
   */
  limit?: { maxBodyBytes: number; refusal: string };
}

/** One side-band packet on the progress channel: what git prints as `remote: <text>`. */
function sidebandMessage(text: string): Buffer {
  const data = Buffer.from(`\x02${text}\n`);
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data]);
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
    child.stdin.on('error', () => undefined);
    // A note for the pusher, written ahead of git's own answer once its headers are out.
    let note: Buffer | undefined;
    if (r.limit) {
      const { maxBodyBytes, refusal } = r.limit;
      let seen = 0;
      let sideband: boolean | undefined;
      const onData = (chunk: Buffer) => {
        // The commands come first; their capabilities say whether the client reads side-band.
        sideband ??= chunk.includes('side-band');
        seen += chunk.length;
        if (seen <= maxBodyBytes) return void (child.stdin.write(chunk) || body.pause());
        body.off('data', onData);
        child.stdin.end();
        if (sideband) note = sidebandMessage(refusal);
        if (headersDone && note) res.write(note);
        // The rest is read and dropped (the client waits for the answer only once it has sent
        // all); past as much again the connection is cut.
        let dropped = 0;
        body.on('data', (c: Buffer) => {
          dropped += c.length;
          if (dropped > maxBodyBytes) body.destroy();
        });
      };
      child.stdin.on('drain', () => body.resume());
      body.on('data', onData);
      body.on('end', () => child.stdin.end());
    } else {
      body.pipe(child.stdin);
    }
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
      if (note) res.write(note);
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
