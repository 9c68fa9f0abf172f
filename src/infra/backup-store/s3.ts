// Backup objects in an S3-compatible bucket (AWS, MinIO, R2, B2, ...), under the destination's
// prefix. The SDK is imported on first use, so the CLI and servers without S3 never load it.
// @aws-sdk/client-s3 + lib-storage: the maintained S3 client; Upload streams a body of unknown
// length as multipart in 8 MiB parts, two in flight (~16 MiB of memory), and aborts on failure.
// Every address the endpoint resolves to is checked as the connection is made (an owner picks
// the endpoint: it must not become a way into the host's network).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import { Readable, Transform } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Failed, Forbidden, Invalid, NotFound, Unavailable, isBerthError, messageOf } from '../../errors.js';
import { checkKey, checkPrefix, isKey } from './keys.js';
import type { BackupStore, RefuseAddress, StoredObject } from './types.js';

export interface S3StoreOptions {
  /** http(s)://host[:port] of the S3 API. */
  endpoint: string;
  bucket: string;
  /** Default us-east-1. */
  region: string;
  /** Keys are stored under `<prefix>/`; '' for the bucket's top. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  refuseAddress: RefuseAddress;
}

const MiB = 1024 * 1024;
const REFUSED = 'EBERTHREFUSED';
const ALLOW_HINT = 'an admin may allow loopback and private endpoints with BERTH_BACKUP_ALLOW_PRIVATE=true';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup that fails when any address of the name is refused (one good address must not hide a bad one). */
function checkedLookup(refuse: RefuseAddress) {
  return (hostname: string, opts: { all?: boolean }, cb: LookupCallback): void => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return cb(err, []);
      const refused = addresses.map((a) => refuse(a.address)).find((w) => w !== null);
      if (refused) return cb(Object.assign(new Error(`${hostname} resolves to ${refused}`), { code: REFUSED }), []);
      if (addresses.length === 0) return cb(Object.assign(new Error(`host ${hostname} not found`), { code: 'ENOTFOUND' }), []);
      if (opts.all) return cb(null, addresses);
      cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/** The network error code of `e` or of an error it wraps. */
function codeOf(e: unknown): string | undefined {
  for (let c = e as SdkError | undefined, i = 0; c && i < 4; c = c.cause as SdkError | undefined, i++) if (typeof c.code === 'string') return c.code;
  return undefined;
}

/** The SDK's error without its raw response (socket, headers, body), so that logs stay short. */
function slim(e: unknown): Error {
  const err = (e ?? {}) as SdkError;
  return Object.assign(new Error(messageOf(e)), { name: err.name ?? 'Error', code: codeOf(e), status: err.$metadata?.httpStatusCode });
}

/** A BackupStore in an S3-compatible bucket. */
export class S3BackupStore implements BackupStore {
  private readonly prefix: string;
  private client: Promise<S3Client> | undefined;

  constructor(private readonly o: S3StoreOptions) {
    this.prefix = o.prefix.replace(/^\/+|\/+$/g, '');
  }

  /** The SDK client, built on first use; rejects when the endpoint is not allowed. */
  private s3(): Promise<S3Client> {
    this.client ??= this.build();
    return this.client;
  }

  private async build(): Promise<S3Client> {
    let url: URL;
    try {
      url = new URL(this.o.endpoint);
    } catch {
      throw Invalid(`the S3 endpoint ${this.o.endpoint} is not a URL`, { hint: 'give https://host[:port]' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw Invalid(`the S3 endpoint must be http:// or https://, not ${url.protocol}`);
    if (url.username || url.password || url.search || url.hash) throw Invalid('the S3 endpoint may not carry a user, a query or a fragment');
    if (this.prefix !== '') checkPrefix(this.prefix);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address is connected to without a lookup: check it here.
    if (isIP(host) !== 0) {
      const why = this.o.refuseAddress(host);
      if (why) throw Forbidden(`Berth may not connect to the S3 endpoint ${url.host}: ${why}`, { hint: ALLOW_HINT });
    }
    const { S3Client } = await import('@aws-sdk/client-s3');
    const lookup = checkedLookup(this.o.refuseAddress);
    return new S3Client({
      endpoint: url.origin,
      region: this.o.region || 'us-east-1',
      forcePathStyle: true,
      // Explicit keys: the SDK's default chain would look for others (files, env, instance metadata).
      credentials: { accessKeyId: this.o.accessKeyId, secretAccessKey: this.o.secretAccessKey },
      // Since SDK 3.729 the defaults send CRC headers and aws-chunked bodies that MinIO, R2, B2
      // and others reject; Berth reads every backup back and checks its sha256 instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // NodeHttpHandler options (the handler itself is built by the SDK, so no import of @smithy/*).
      requestHandler: {
        httpAgent: new HttpAgent({ keepAlive: true, lookup }),
        httpsAgent: new HttpsAgent({ keepAlive: true, lookup }),
        connectionTimeout: 10_000,
        requestTimeout: 300_000,
      },
    });
  }

  private full(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  /** A Berth error saying what went wrong with a request about `key`, in the words of the endpoint's answer. */
  private explain(e: unknown, key?: string): Error {
    if (isBerthError(e)) return e;
    const err = (e ?? {}) as SdkError;
    const code = codeOf(e);
    const where = new URL(this.o.endpoint).host;
    if (code === REFUSED) return Forbidden(`Berth may not connect to the S3 endpoint ${where}: ${messageOf(e)}`, { hint: ALLOW_HINT, cause: slim(e) });
    if (err.name === 'AbortError') return e as Error;
    const status = err.$metadata?.httpStatusCode;
    switch (err.name) {
      case 'NoSuchBucket':
        return NotFound(`the bucket ${this.o.bucket} does not exist at ${where}`, { hint: 'create it, or correct the bucket name of the destination', cause: slim(e) });
      case 'NoSuchKey':
      case 'NotFound':
        return NotFound(`no backup object ${key ?? ''} in the bucket ${this.o.bucket}`, { cause: slim(e) });
      case 'InvalidAccessKeyId':
      case 'SignatureDoesNotMatch':
      case 'AccessDenied':
        return Forbidden(`the S3 endpoint refused the keys (${err.name})`, { hint: `check the access key and secret of the destination, and that they may use the bucket ${this.o.bucket}`, cause: slim(e) });
    }
    if (status === 403 || status === 401) return Forbidden(`the S3 endpoint refused the keys (HTTP ${status})`, { hint: 'check the access key and secret of the destination', cause: slim(e) });
    if (status === 404) return NotFound(key ? `no backup object ${key} in the bucket ${this.o.bucket}` : `the bucket ${this.o.bucket} does not exist at ${where}`, { cause: slim(e) });
    if (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE)$/.test(code)) {
      return Unavailable(`the S3 endpoint ${where} is unreachable (${code})`, { hint: 'check the endpoint URL and that the service is up', cause: slim(e) });
    }
    if (err.name === 'TimeoutError') return Unavailable(`the S3 endpoint ${where} did not answer in time`, { cause: slim(e) });
    if (status !== undefined && status >= 500) return Unavailable(`the S3 endpoint ${where} failed (HTTP ${status}${err.name ? ` ${err.name}` : ''})`, { cause: slim(e) });
    return Failed(`the S3 request failed: ${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${messageOf(e)}`, { cause: slim(e) });
  }

  async put(key: string, body: Readable, signal?: AbortSignal): Promise<{ bytes: number }> {
    checkKey(key);
    signal?.throwIfAborted();
    const client = await this.s3().catch((e: unknown) => {
      body.destroy();
      throw e;
    });
    const { Upload } = await import('@aws-sdk/lib-storage');
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer | string, _enc, cb) {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        cb(null, chunk);
      },
    });
    // A failing body fails `counted`, which fails the upload; the body's error is the one reported.
    let bodyError: Error | undefined;
    body.on('error', (e) => {
      bodyError = e;
      counted.destroy(e);
    });
    body.pipe(counted);
    const upload = new Upload({
      client,
      params: { Bucket: this.o.bucket, Key: this.full(key), Body: counted },
      partSize: 8 * MiB,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const onAbort = () => {
      void upload.abort();
      body.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
      return { bytes };
    } catch (e) {
      // Stops reading and drops the parts sent so far (lib-storage also aborts the multipart upload).
      await upload.abort();
      body.destroy();
      counted.destroy();
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : this.explain(e, key);
      throw bodyError ?? this.explain(e, key);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async get(key: string): Promise<Readable> {
    checkKey(key);
    const client = await this.s3();
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      const res = await client.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: this.full(key) }));
      if (!(res.Body instanceof Readable)) throw Failed('the S3 endpoint answered without a body stream');
      return res.Body;
    } catch (e) {
      throw this.explain(e, key);
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    const client = await this.s3();
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    try {
      await client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.full(key) }));
    } catch (e) {
      const err = this.explain(e, key);
      // S3 answers 204 for a missing key; some others say NoSuchKey.
      if (isBerthError(err) && err.code === 'not_found' && (e as SdkError).name !== 'NoSuchBucket') return;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    checkPrefix(prefix);
    const client = await this.s3();
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const strip = this.prefix === '' ? '' : `${this.prefix}/`;
    const out: StoredObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: this.o.bucket, Prefix: strip + prefix, ContinuationToken: token }),
        );
        for (const obj of page.Contents ?? []) {
          if (!obj.Key?.startsWith(strip)) continue;
          const key = obj.Key.slice(strip.length);
          // Objects Berth did not write (other names in a shared bucket) are not listed.
          if (isKey(key)) out.push({ key, bytes: obj.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw this.explain(e);
    }
    return out;
  }
}
