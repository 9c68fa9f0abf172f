// The CLI's HTTP client for the Berth API: JSON requests, file uploads, error bodies turned
// back into BerthErrors, and Server-Sent Event streams. Built on node:http(s) rather than fetch,
// whose first use costs the CLI ~50 ms of start-up on every command; https trusts Node's CAs
// plus the login's --ca-file, for every request and stream alike (all go through send()).
import { createReadStream, readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { BerthError, Invalid, messageOf, Unavailable, type ErrorCode } from '../errors.js';

export interface RequestOptions {
  json?: unknown;
  /** A file to send as the body. */
  file?: string;
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
}

export interface SseEvent {
  event: string;
  data: unknown;
}

const CODES: readonly ErrorCode[] = ['not_found', 'invalid', 'conflict', 'forbidden', 'unauthorized', 'rate_limited', 'unavailable', 'failed', 'too_large'];

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Error codes of a TLS handshake whose certificate this computer does not trust (or that names another host). */
const UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** The error a failed request turns into: an untrusted certificate names its fix, anything else says the server is unreachable (pure). */
export function connectError(baseUrl: string, e: NodeJS.ErrnoException, caFile?: string): BerthError {
  const code = e.code ?? e.message;
  if (e.code && UNTRUSTED.has(e.code)) {
    const what = e.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'a certificate for another host name' : e.code === 'CERT_HAS_EXPIRED' || e.code === 'CERT_NOT_YET_VALID' ? 'a certificate that is not valid now' : 'a certificate this computer does not trust';
    return Unavailable(`the Berth server at ${baseUrl} presented ${what} (${code})${caFile ? `; trusted: the system CAs and ${caFile}` : ''}`, {
      hint: `if it uses Berth's internal CA, print its root on the server with \`berth tls ca > berth-ca.pem\`, copy that file here, then: berth login ${baseUrl} --ca-file berth-ca.pem`,
    });
  }
  return Unavailable(`cannot reach the Berth server at ${baseUrl} (${code})`, { hint: 'start it with `berth server`, or set BERTH_URL' });
}

/** Node's bundled CAs plus the PEM file's certificates: what an https request to Berth trusts with --ca-file. */
async function trustWith(caFile: string): Promise<string[]> {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (e) {
    throw Invalid(`cannot read the CA file ${caFile} (${(e as NodeJS.ErrnoException).code ?? messageOf(e)})`, { hint: 'log in again with --ca-file FILE (or set BERTH_CA_FILE)' });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw Invalid(`${caFile} holds no PEM certificate`, { hint: 'give the root certificate `berth tls ca` prints on the server' });
  return [...(await import('node:tls')).rootCertificates, pem];
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
    /** A PEM file whose certificates an https server's certificate may also chain to (`berth login --ca-file`). */
    readonly caFile?: string,
  ) {}

  private url(path: string, query?: RequestOptions['query']): URL {
    const u = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** Sends the request; resolves with the response once its status is 2xx, else throws the server's error. */
  private async send(method: string, path: string, o: RequestOptions = {}, accept = 'application/json', signal?: AbortSignal): Promise<IncomingMessage> {
    const url = this.url(path, o.query);
    // TLS is loaded only for an https server: most servers are on loopback, and every command pays for what it loads.
    const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
    const ca = url.protocol === 'https:' && this.caFile ? { ca: await trustWith(this.caFile) } : {};
    const headers: Record<string, string> = { Accept: accept, ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) };
    let json: string | undefined;
    if (o.json !== undefined) {
      json = JSON.stringify(o.json);
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(json));
    } else if (o.file) {
      headers['Content-Type'] = o.contentType ?? 'application/octet-stream';
    }
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: false, ...ca, ...(signal ? { signal } : {}) }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readBody(res).then((text) => reject(this.errorFrom(status, text)), reject);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') return reject(e);
        reject(connectError(this.baseUrl, e, this.caFile));
      });
      if (json !== undefined) req.end(json);
      else if (o.file) createReadStream(o.file).on('error', (e) => req.destroy(e)).pipe(req);
      else req.end();
    });
  }

  private errorFrom(status: number, text: string): BerthError {
    let err: { code?: string; message?: string; hint?: string } | undefined;
    try {
      err = (JSON.parse(text) as { error?: typeof err }).error;
    } catch {
      err = undefined;
    }
    const fallback: ErrorCode = status >= 500 ? 'unavailable' : 'invalid';
    const code = CODES.find((c) => c === err?.code) ?? fallback;
    return new BerthError(code, err?.message ?? `the server answered ${status}`, err?.hint ? { hint: err.hint } : {});
  }

  async request<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, o);
    return JSON.parse(await readBody(res)) as T;
  }

  /**
   * Reads an SSE stream (from a GET, or a POST of `post.json`), calling onEvent for each event,
   * until the server ends it (or signal aborts). A stream the server drops throws Unavailable.
   */
  async stream(path: string, query: RequestOptions['query'], onEvent: (e: SseEvent) => void, signal?: AbortSignal, post?: { json: unknown }): Promise<void> {
    let res: IncomingMessage;
    try {
      res = await this.send(post ? 'POST' : 'GET', path, post ? { query, json: post.json } : { query }, 'text/event-stream', signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      throw e;
    }
    let buf = '';
    try {
      for await (const chunk of res) {
        buf += (chunk as Buffer).toString('utf8');
        let idx: number;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) onEvent({ event, data: JSON.parse(data.join('\n')) as unknown });
        }
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') return;
      // The server (or the network) dropped the stream mid-way: a restart, a crash, a reset.
      throw Unavailable(`the connection to the Berth server at ${this.baseUrl} broke (${(e as NodeJS.ErrnoException).code ?? messageOf(e)})`, { cause: e });
    }
  }
}
