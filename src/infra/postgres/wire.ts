// PostgreSQL's wire protocol, just enough for Berth's backups: protocol 3.0 startup, SCRAM-SHA-256
// (the server's signature checked) and the simple query protocol, every value as text. Berth holds
// a session open for a consistent snapshot (`pg_export_snapshot()` while pg_dump --snapshot runs)
// and counts rows exactly for restore drills. No npm client: the `pg` package would be one more
// dependency for three messages; this is the twin of examples/node-postgres/pg.js, checked
// against the same RFC 7677 vector.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { Failed, Unavailable } from '../../errors.js';

export interface PgConnectOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** For reaching the server and logging in. */
  timeoutMs: number;
}

/** One statement's result: column names, rows of text values (NULL as null), the command tag. */
export interface PgResult {
  fields: string[];
  rows: (string | null)[][];
  command: string;
}

export interface PgSession {
  /** Runs SQL with the simple query protocol: one result per statement. */
  query(sql: string): Promise<PgResult[]>;
  close(): Promise<void>;
}

/** An ErrorResponse of the server: its SQLSTATE (e.g. 28P01) and message. */
export class PgServerError extends Error {
  constructor(
    readonly sqlstate: string,
    message: string,
    readonly severity: string,
  ) {
    super(message);
    this.name = 'PgServerError';
  }
}

/** The SQLSTATE of a server error thrown by this module (Failed with a PgServerError cause). */
export function sqlState(e: unknown): string | undefined {
  const cause = e instanceof Error ? e.cause : undefined;
  return cause instanceof PgServerError ? cause.sqlstate : undefined;
}

/** An identifier quoted for SQL: "my ""odd"" table". */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// ---- SCRAM-SHA-256 (RFC 5802 / RFC 7677) ----

const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** client-first-message-bare: `n=<user>,r=<nonce>` (PostgreSQL ignores the user; Berth sends none). */
export function scramClientFirstBare(user: string, nonce: string): string {
  return `n=${user.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${nonce}`;
}

function scramAttributes(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/**
 * From the server-first-message: the client-final-message and the signature the server must send
 * back. The password goes in as is: Berth's are hex, where SASLprep changes nothing.
 */
export function scramClientFinal(password: string, clientNonce: string, clientFirstBare: string, serverFirst: string): { clientFinal: string; serverSignature: string } {
  const a = scramAttributes(serverFirst);
  const nonce = a.get('r') ?? '';
  const salt = a.get('s') ?? '';
  const iterations = Number(a.get('i'));
  if (!nonce.startsWith(clientNonce) || nonce === clientNonce || salt === '' || !Number.isInteger(iterations) || iterations < 1) {
    throw Failed('postgres: malformed SCRAM server-first-message');
  }
  const salted = pbkdf2Sync(password, Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const withoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
  const proof = Buffer.from(clientKey.map((b, k) => b ^ (signature[k] ?? 0)));
  return { clientFinal: `${withoutProof},p=${proof.toString('base64')}`, serverSignature: hmac(hmac(salted, 'Server Key'), authMessage).toString('base64') };
}

/** Throws unless the server-final-message carries the expected signature. */
export function scramVerifyServerFinal(serverFinal: string, serverSignature: string): void {
  const a = scramAttributes(serverFinal);
  const e = a.get('e');
  if (e !== undefined) throw Failed(`postgres: SCRAM authentication failed: ${e}`);
  const got = Buffer.from(a.get('v') ?? '', 'base64');
  const want = Buffer.from(serverSignature, 'base64');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw Failed('postgres: the server did not prove it knows the password (bad SCRAM signature)');
}

// ---- Framing: a type byte and an int32 length (counting itself), reassembled across chunks ----

export interface PgMessage {
  type: string;
  body: Buffer;
}

/** Collects chunks off the socket and hands out whole backend messages. */
export class PgFramer {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): PgMessage[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: PgMessage[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (len < 4) throw Failed('postgres: malformed message length');
      if (this.buf.length < 1 + len) break;
      out.push({ type: String.fromCharCode(this.buf[0] ?? 0), body: this.buf.subarray(5, 1 + len) });
      this.buf = this.buf.subarray(1 + len);
    }
    return out;
  }
}

/** One message: the type (none for the startup message), the length, the body. */
export function pgFrame(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(type === '' ? 4 : 5);
  if (type !== '') head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, type === '' ? 0 : 1);
  return Buffer.concat([head, body]);
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

function serverError(body: Buffer): PgServerError {
  const f = new Map<string, string>();
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const end = body.indexOf(0, i + 1);
    f.set(String.fromCharCode(body[i] ?? 0), body.toString('utf8', i + 1, end));
    i = end + 1;
  }
  return new PgServerError(f.get('C') ?? 'XX000', f.get('M') ?? 'unknown error', f.get('S') ?? 'ERROR');
}

const asFailed = (e: PgServerError): Error => Failed(`postgres: ${e.message} (SQLSTATE ${e.sqlstate})`, { cause: e });

function rowDescription(body: Buffer): string[] {
  const names: string[] = [];
  let i = 2;
  for (let k = body.readInt16BE(0); k > 0; k--) {
    const end = body.indexOf(0, i);
    names.push(body.toString('utf8', i, end));
    i = end + 1 + 18; // table oid, column number, type oid, size, modifier, format
  }
  return names;
}

function dataRow(body: Buffer): (string | null)[] {
  const values: (string | null)[] = [];
  let i = 2;
  for (let k = body.readInt16BE(0); k > 0; k--) {
    const len = body.readInt32BE(i);
    i += 4;
    if (len < 0) values.push(null);
    else {
      values.push(body.toString('utf8', i, i + len));
      i += len;
    }
  }
  return values;
}

const AUTH_NAMES: Record<number, string> = { 2: 'Kerberos', 3: 'a cleartext password', 5: 'an MD5 password', 7: 'GSSAPI', 9: 'SSPI' };

class Session implements PgSession {
  private readonly framer = new PgFramer();
  private readonly inbox: PgMessage[] = [];
  private waiter: { resolve(m: PgMessage): void; reject(e: Error): void } | undefined;
  private failure: Error | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private ready = false;

  constructor(
    private readonly socket: Socket,
    private readonly where: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of this.framer.push(chunk)) this.deliver(m);
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
        socket.destroy();
      }
    });
    socket.on('error', (e) => this.fail(Unavailable(`postgres at ${where}: ${e.message}`, { cause: e })));
    socket.on('close', () => this.fail(Unavailable(`postgres at ${where}: the connection closed`)));
  }

  private deliver(m: PgMessage): void {
    // Notices, notifications and parameter changes may come at any time.
    if (m.type === 'N' || m.type === 'A' || (m.type === 'S' && this.ready)) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w.resolve(m);
    else this.inbox.push(m);
  }

  fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }

  private next(): Promise<PgMessage> {
    const m = this.inbox.shift();
    if (m) return Promise.resolve(m);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async startup(o: PgConnectOptions): Promise<void> {
    const params = ['user', o.user, 'database', o.database, 'client_encoding', 'UTF8'].map(cstr);
    this.socket.write(pgFrame('', int32(196608), ...params, Buffer.from([0])));
    let scram: { nonce: string; first: string; serverSignature?: string; verified?: boolean } | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'E') throw asFailed(serverError(m.body));
      if (m.type === 'Z') {
        this.ready = true;
        return;
      }
      if (m.type !== 'R') continue; // ParameterStatus, BackendKeyData
      const code = m.body.readInt32BE(0);
      const text = m.body.toString('utf8', 4);
      if (code === 0) {
        if (scram && !scram.verified) throw Failed('postgres: the server skipped its SCRAM signature');
      } else if (code === 10) {
        const mechanisms = text.split('\0').filter(Boolean);
        if (!mechanisms.includes('SCRAM-SHA-256')) throw Failed(`postgres: the server offers ${mechanisms.join(', ')}; Berth speaks SCRAM-SHA-256 only`);
        const nonce = randomBytes(18).toString('base64');
        scram = { nonce, first: scramClientFirstBare('', nonce) };
        const data = Buffer.from(`n,,${scram.first}`, 'utf8');
        this.socket.write(pgFrame('p', cstr('SCRAM-SHA-256'), int32(data.length), data));
      } else if (code === 11 && scram) {
        const r = scramClientFinal(o.password, scram.nonce, scram.first, text);
        scram.serverSignature = r.serverSignature;
        this.socket.write(pgFrame('p', Buffer.from(r.clientFinal, 'utf8')));
      } else if (code === 12 && scram?.serverSignature !== undefined) {
        scramVerifyServerFinal(text, scram.serverSignature);
        scram.verified = true;
      } else {
        throw Failed(`postgres: the server asks for ${AUTH_NAMES[code] ?? `authentication method ${code}`}; Berth speaks SCRAM-SHA-256 only`);
      }
    }
  }

  query(sql: string): Promise<PgResult[]> {
    const run = this.chain.then(() => this.simpleQuery(sql));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async simpleQuery(sql: string): Promise<PgResult[]> {
    if (this.failure) throw this.failure;
    this.socket.write(pgFrame('Q', cstr(sql)));
    const results: PgResult[] = [];
    let fields: string[] = [];
    let rows: (string | null)[][] = [];
    let error: PgServerError | undefined;
    for (;;) {
      const m = await this.next();
      if (m.type === 'T') {
        fields = rowDescription(m.body);
        rows = [];
      } else if (m.type === 'D') rows.push(dataRow(m.body));
      else if (m.type === 'C') {
        results.push({ fields, rows, command: m.body.toString('utf8', 0, m.body.length - 1) });
        fields = [];
        rows = [];
      } else if (m.type === 'E') error = serverError(m.body);
      else if (m.type === 'Z') {
        if (error) throw asFailed(error);
        return results;
      }
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end(pgFrame('X'));
      setTimeout(() => this.socket.destroy(), 2000).unref();
    });
  }
}

/** Opens a logged-in session. Unavailable when the server cannot be reached; Failed when it refuses. */
export function connectPg(o: PgConnectOptions): Promise<PgSession> {
  const where = `${o.host}:${o.port}`;
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: o.host, port: o.port });
    const session = new Session(socket, where);
    const timer = setTimeout(() => {
      const e = Unavailable(`postgres at ${where}: no answer within ${o.timeoutMs} ms`);
      session.fail(e);
      socket.destroy();
      reject(e);
    }, o.timeoutMs);
    const settle = (e?: unknown): void => {
      clearTimeout(timer);
      if (e === undefined) return resolve(session);
      socket.destroy();
      reject(e instanceof Error ? e : Failed('postgres: the login failed'));
    };
    socket.once('connect', () => session.startup(o).then(() => settle(), settle));
    socket.once('error', (e) => settle(Unavailable(`postgres at ${where}: ${e.message}`, { cause: e })));
  });
}

/**
 * Exact row counts of every user table, keyed "schema.table" (system schemas, TOAST and temporary
 * schemas left out), in one round trip. Inside a REPEATABLE READ transaction they are the counts
 * of its snapshot.
 */
export async function userTableCounts(session: PgSession): Promise<Record<string, number>> {
  const [list] = await session.query(
    "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2",
  );
  const tables = (list?.rows ?? []).map(([schema, table]) => ({ schema: schema ?? '', table: table ?? '' }));
  if (tables.length === 0) return {};
  const results = await session.query(tables.map((t) => `SELECT count(*) FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)};`).join('\n'));
  const counts: Record<string, number> = {};
  tables.forEach((t, k) => (counts[`${t.schema}.${t.table}`] = Number(results[k]?.rows[0]?.[0] ?? NaN)));
  return counts;
}
