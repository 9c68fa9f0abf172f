// The one door notifications leave by: one POST over node:http(s), never following redirects,
// with a deadline, checking every address the host resolves to as the connection is made (so a
// name that resolves to a refused address, now or on a second lookup, is never connected to).
// node:http rather than fetch: fetch takes no per-request DNS lookup without the undici package.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

export interface SendRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  /** Ends the request early (Berth shutting down). */
  signal?: AbortSignal;
}

export interface SendResult {
  /** The receiver's HTTP status (a 3xx is returned as it is: redirects are not followed). */
  status: number;
}

export interface SenderOptions {
  /** Why an address may not be connected to, or null when it may (domain/notify/url-policy.ts). */
  refuseAddress(ip: string): string | null;
  timeoutMs: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** What a failed connection says, in a few words. */
function describe(e: NodeJS.ErrnoException, host: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `connection refused by ${host}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host ${host} not found`;
    case 'ECONNRESET':
      return `connection reset by ${host}`;
    default:
      return e.message;
  }
}

/** A function that POSTs one notification and answers with the receiver's status, or throws saying why not. */
export function httpSender(o: SenderOptions): (r: SendRequest) => Promise<SendResult> {
  return (r) =>
    new Promise<SendResult>((resolve, reject) => {
      const url = new URL(r.url);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject(new Error(`scheme ${url.protocol} is not allowed`));
      if (isIP(host) !== 0) {
        const why = o.refuseAddress(host);
        if (why) return reject(new Error(`refused: ${why}`));
      }
      // Every address of the name must be allowed: otherwise a name could list a refused one next to a good one.
      const lookup = (hostname: string, opts: { all?: boolean }, cb: LookupCallback): void => {
        dnsLookup(hostname, { all: true }, (err, addresses) => {
          if (err) return cb(err, []);
          const refused = addresses.map((a) => o.refuseAddress(a.address)).find((w) => w !== null);
          if (refused) return cb(Object.assign(new Error(`refused: ${hostname} resolves to ${refused}`), { code: 'EBERTHREFUSED' }), []);
          if (addresses.length === 0) return cb(Object.assign(new Error(`host ${hostname} not found`), { code: 'ENOTFOUND' }), []);
          if (opts.all) return cb(null, addresses);
          cb(null, addresses[0]!.address, addresses[0]!.family);
        });
      };
      const options: RequestOptions = {
        method: 'POST',
        headers: { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body)) },
        agent: false,
        lookup,
        timeout: o.timeoutMs,
      };
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options, (res) => {
        clearTimeout(deadline);
        // The body is not read: its size is the receiver's choice.
        res.destroy();
        resolve({ status: res.statusCode ?? 0 });
      });
      const deadline = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), o.timeoutMs);
      const onAbort = () => req.destroy(Object.assign(new Error('cancelled: Berth is stopping'), { code: 'ABORT_ERR' }));
      r.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${o.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        r.signal?.removeEventListener('abort', onAbort);
        reject(new Error(describe(e, url.host)));
      });
      req.on('close', () => {
        clearTimeout(deadline);
        r.signal?.removeEventListener('abort', onAbort);
      });
      req.end(r.body);
    });
}
