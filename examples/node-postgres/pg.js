// A small PostgreSQL client on Node's standard library only (net, crypto): protocol 3.0,
// SCRAM-SHA-256 with the server's signature checked, the simple query protocol for DDL and the
// extended protocol (Parse/Bind/Describe/Execute/Sync) for parameterised queries. Every value
// travels as text: rows come back as { column: string | null }.
'use strict';
const net = require('node:net');
const crypto = require('node:crypto');

// ---- SCRAM-SHA-256 (RFC 5802 / RFC 7677) ----

const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const sha256 = (data) => crypto.createHash('sha256').update(data).digest();

/** client-first-message-bare: `n=<user>,r=<nonce>` (PostgreSQL ignores the user; libpq sends none). */
function scramClientFirstBare(user, nonce) {
  return `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
}

function scramAttributes(msg) {
  const out = {};
  for (const part of msg.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/**
 * From the server-first-message: the client-final-message to send and the server signature the
 * server must answer with. The password is used as is (Berth's passwords are ASCII, where
 * SASLprep changes nothing).
 */
function scramClientFinal(password, clientNonce, clientFirstBare, serverFirst) {
  const a = scramAttributes(serverFirst);
  const iterations = Number(a.i);
  if (!a.r || !a.r.startsWith(clientNonce) || a.r === clientNonce || !a.s || !Number.isInteger(iterations) || iterations < 1) {
    throw new Error('postgres: malformed SCRAM server-first-message');
  }
  const salted = crypto.pbkdf2Sync(password, Buffer.from(a.s, 'base64'), iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const withoutProof = `c=biws,r=${a.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(sha256(clientKey), authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let k = 0; k < proof.length; k++) proof[k] = clientKey[k] ^ signature[k];
  return {
    clientFinal: `${withoutProof},p=${proof.toString('base64')}`,
    serverSignature: hmac(hmac(salted, 'Server Key'), authMessage).toString('base64'),
  };
}

/** Throws unless the server-final-message carries the expected signature. */
function scramVerifyServerFinal(serverFinal, serverSignature) {
  const a = scramAttributes(serverFinal);
  if (a.e) throw new Error(`postgres: SCRAM failed: ${a.e}`);
  const got = Buffer.from(a.v || '', 'base64');
  const want = Buffer.from(serverSignature, 'base64');
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
    throw new Error('postgres: the server did not prove it knows the password (bad SCRAM server signature)');
  }
}

// ---- Framing: a type byte and an int32 length (counting itself), reassembled across chunks ----

function createFramer() {
  let buf = Buffer.alloc(0);
  return {
    /** Adds a chunk; returns the messages now complete, as { type, body }. */
    push(chunk) {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const out = [];
      while (buf.length >= 5) {
        const len = buf.readInt32BE(1);
        if (len < 4) throw new Error('postgres: malformed message length');
        if (buf.length < 1 + len) break;
        out.push({ type: String.fromCharCode(buf[0]), body: buf.subarray(5, 1 + len) });
        buf = buf.subarray(1 + len);
      }
      return out;
    },
  };
}

/** One frontend message: the type (none for the startup message), then length and body. */
function frame(type, ...parts) {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(type ? 5 : 4);
  if (type) head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, type ? 1 : 0);
  return Buffer.concat([head, body]);
}
const cstr = (s) => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const int32 = (n) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };

/** ErrorResponse fields → an Error with .code (SQLSTATE), .severity, .detail. */
function serverError(body) {
  const f = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const end = body.indexOf(0, i + 1);
    f[String.fromCharCode(body[i])] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  const err = new Error(f.M || 'postgres error');
  err.code = f.C;
  err.severity = f.S;
  if (f.D) err.detail = f.D;
  return err;
}

function rowDescription(body) {
  const n = body.readInt16BE(0);
  const names = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const end = body.indexOf(0, i);
    names.push(body.toString('utf8', i, end));
    i = end + 1 + 18; // table oid, column, type oid, size, modifier, format
  }
  return names;
}

function dataRow(body) {
  const n = body.readInt16BE(0);
  const values = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const len = body.readInt32BE(i);
    i += 4;
    if (len < 0) values.push(null);
    else { values.push(body.toString('utf8', i, i + len)); i += len; }
  }
  return values;
}

/** postgres://user:pass@host:port/db → connection options (percent-decoded). */
function parseUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error(`not a postgres:// URL: ${u.protocol}`);
  return {
    host: decodeURIComponent(u.hostname),
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username),
  };
}

// ---- The connection ----

class Client {
  constructor(socket) {
    this.socket = socket;
    this.framer = createFramer();
    this.inbox = [];
    this.waiter = null;
    this.failure = null;
    this.chain = Promise.resolve();
    socket.on('data', (chunk) => {
      try {
        for (const m of this.framer.push(chunk)) this.deliver(m);
      } catch (e) { this.fail(e); socket.destroy(); }
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('postgres: connection closed')));
  }

  deliver(m) {
    // Notices, parameter changes and notifications may come at any time.
    if (m.type === 'N' || m.type === 'A' || (m.type === 'S' && this.ready)) return;
    if (this.waiter) { const w = this.waiter; this.waiter = null; w.resolve(m); } else this.inbox.push(m);
  }

  fail(e) {
    if (!this.failure) this.failure = e;
    if (this.waiter) { const w = this.waiter; this.waiter = null; w.reject(this.failure); }
  }

  next() {
    if (this.inbox.length > 0) return Promise.resolve(this.inbox.shift());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  async startup(o) {
    this.socket.write(frame('', int32(196608), cstr('user'), cstr(o.user), cstr('database'), cstr(o.database), cstr('client_encoding'), cstr('UTF8'), Buffer.from([0])));
    let scram = null;
    for (;;) {
      const m = await this.next();
      if (m.type === 'E') throw serverError(m.body);
      if (m.type === 'Z') { this.ready = true; return; }
      if (m.type !== 'R') continue; // ParameterStatus, BackendKeyData
      const code = m.body.readInt32BE(0);
      if (code === 0) {
        // AuthenticationOk; after SCRAM only once the server has proved itself.
        if (scram && !scram.verified) throw new Error('postgres: the server skipped the SCRAM server signature');
        continue;
      }
      if (code === 10) {
        const mechanisms = m.body.toString('utf8', 4).split('\0').filter(Boolean);
        if (!mechanisms.includes('SCRAM-SHA-256')) throw new Error(`postgres: the server offers ${mechanisms.join(', ')}; this client speaks SCRAM-SHA-256 only`);
        const nonce = crypto.randomBytes(18).toString('base64');
        const first = scramClientFirstBare('', nonce);
        scram = { nonce, first };
        const data = Buffer.from(`n,,${first}`, 'utf8');
        this.socket.write(frame('p', cstr('SCRAM-SHA-256'), int32(data.length), data));
      } else if (code === 11 && scram) {
        const r = scramClientFinal(o.password, scram.nonce, scram.first, m.body.toString('utf8', 4));
        scram.serverSignature = r.serverSignature;
        this.socket.write(frame('p', Buffer.from(r.clientFinal, 'utf8')));
      } else if (code === 12 && scram && scram.serverSignature) {
        scramVerifyServerFinal(m.body.toString('utf8', 4), scram.serverSignature);
        scram.verified = true;
      } else {
        const names = { 2: 'Kerberos', 3: 'cleartext password', 5: 'MD5 password', 7: 'GSSAPI', 9: 'SSPI' };
        throw new Error(`postgres: the server asks for ${names[code] || `authentication method ${code}`}; this client speaks SCRAM-SHA-256 only`);
      }
    }
  }

  /** Runs one query at a time: the protocol is a conversation. */
  serial(fn) {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * query(sql) uses the simple protocol (several statements allowed; the last one's result is
   * returned); query(sql, params) the extended one, $1, $2… bound as text, never spliced in.
   */
  query(sql, params) {
    return this.serial(async () => {
      if (this.failure) throw this.failure;
      if (params === undefined) {
        this.socket.write(frame('Q', cstr(sql)));
      } else {
        const values = params.map((v) => (v === null || v === undefined ? null : Buffer.from(v instanceof Date ? v.toISOString() : String(v), 'utf8')));
        this.socket.write(Buffer.concat([
          frame('P', cstr(''), cstr(sql), int16(0)),
          frame('B', cstr(''), cstr(''), int16(0), int16(values.length), ...values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(v.length), v]))), int16(0)),
          frame('D', Buffer.from('P'), cstr('')),
          frame('E', cstr(''), int32(0)),
          frame('S'),
        ]));
      }
      let result = { command: '', fields: [], rows: [] };
      let fields = [];
      let rows = [];
      let error = null;
      for (;;) {
        const m = await this.next();
        if (m.type === 'T') { fields = rowDescription(m.body); rows = []; }
        else if (m.type === 'n') { fields = []; rows = []; }
        else if (m.type === 'D') rows.push(dataRow(m.body));
        else if (m.type === 'C') {
          result = { command: m.body.toString('utf8', 0, m.body.length - 1), fields, rows: rows.map((r) => Object.fromEntries(fields.map((f, k) => [f, r[k]]))) };
          fields = []; rows = [];
        } else if (m.type === 'E') error = serverError(m.body);
        else if (m.type === 'Z') { if (error) throw error; return result; }
      }
    });
  }

  /** Says goodbye and closes the socket. */
  end() {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end(frame('X'));
    });
  }
}

/** Opens an authenticated connection from a DATABASE_URL string or { host, port, user, password, database }. */
function connect(target, timeoutMs = 10000) {
  const o = typeof target === 'string' ? parseUrl(target) : target;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: o.host, port: o.port });
    const client = new Client(socket);
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`postgres: no answer from ${o.host}:${o.port} within ${timeoutMs} ms`)); }, timeoutMs);
    socket.once('connect', () => {
      client.startup(o).then(
        () => { clearTimeout(timer); resolve(client); },
        (e) => { clearTimeout(timer); socket.destroy(); reject(e); },
      );
    });
    socket.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

module.exports = { connect, parseUrl, createFramer, scramClientFirstBare, scramClientFinal, scramVerifyServerFinal };
