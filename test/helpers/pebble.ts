// A real ACME CA for tests, offline: pebble plus pebble-challtestsrv's DNS on loopback (Debian's
// `pebble` package ships both; scripts/setup-host --test installs it). No validation is skipped.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './berth.js';

const run = promisify(execFile);

export interface Pebble {
  /** ACME directory URL, for BERTH_ACME_CA / an issuer's `ca`. */
  directoryUrl: string;
  /** PEM of the CA that signed pebble's own API certificate: BERTH_ACME_CA_ROOT / `trusted_roots_pem_files`. */
  apiCaFile: string;
  /** PEM of the root pebble signs issued certificates with (changes every pebble start). */
  issuedRootPem(): Promise<string>;
  /** PEM of the intermediate pebble signs leaves with (servers normally send it in the chain). */
  issuedIntermediatePem(): Promise<string>;
  /** New orders pebble has accepted so far (counts its `Added order "<id>" to the db` log lines). */
  orders(): number;
  /** New orders pebble has accepted so far that name `host` (seen by a recording front on its API). */
  ordersFor(host: string): number;
  /** Makes pebble's DNS answer `host` with `ip` (A record) instead of 127.0.0.1. */
  setAddress(host: string, ip: string): Promise<void>;
  /** pebble's log so far (stdout and stderr). */
  log(): string;
  /** Ends both processes by PID and removes the files. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** Port pebble's VA dials for HTTP-01 (the test edge's http port). */
  httpPort: number;
  /** Port pebble's VA dials for TLS-ALPN-01 (the test edge's https port). */
  tlsPort: number;
  /** Scratch directory for certificates, config and logs (made and removed here when not given). */
  dir?: string;
  /** Lifetime of issued certificates (pebble's default is 5 years); short ones make renewals testable. */
  validitySeconds?: number;
}

const started = new Set<ChildProcess>();
// Last resort if a test run dies without calling stop(): nothing of ours outlives the runner.
process.once('exit', () => {
  for (const p of started) if (p.exitCode === null && p.pid) try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ }
});

/** Starts challtestsrv (DNS only) and pebble on free loopback ports and waits for the directory. */
export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'berthtest-pebble-'));
  mkdirSync(dir, { recursive: true });
  const procs: ChildProcess[] = [];
  const closers: (() => Promise<void>)[] = [];
  let logText = '';
  const stop = async () => {
    await Promise.all([...procs.map(endProcess), ...closers.map((c) => c())]);
    closers.length = 0;
    procs.length = 0;
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const apiCaFile = await makeApiCertificates(dir);
    const [dnsPort, challMgmt, listen, mgmt] = [await freeUdpTcpPort(), await freePort(), await freePort(), await freePort()];
    const chall = spawn('pebble-challtestsrv', [
      '-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${challMgmt}`,
      '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(chall, procs);
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: join(dir, 'api.pem'),
        privateKey: join(dir, 'api.key'),
        httpPort: opts.httpPort,
        tlsPort: opts.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(opts.validitySeconds ? { certificateValidityPeriod: opts.validitySeconds } : {}),
      },
    };
    writeFileSync(join(dir, 'pebble.json'), JSON.stringify(config, null, 2));
    const env = {
      ...process.env,
      PEBBLE_VA_NOSLEEP: '1', // validate at once instead of after up to 15 s
      PEBBLE_WFE_NONCEREJECT: '0', // no random badNonce errors
      PEBBLE_AUTHZREUSE: '0', // every order is validated again: no authorization is reused
    };
    const pebble = spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
    track(pebble, procs);
    for (const s of [pebble.stdout, pebble.stderr]) s?.on('data', (c: Buffer) => { logText += c.toString('utf8'); });
    const ca = readFileSync(apiCaFile);
    const api = (url: string) => httpsGet(url, ca);
    await waitFor(async () => {
      if (pebble.exitCode !== null || chall.exitCode !== null) throw new Fatal(`pebble or challtestsrv exited:\n${logText}`);
      return (await api(`https://127.0.0.1:${listen}/dir`)).status === 200;
    }, () => `pebble did not answer on ${listen}:\n${logText}`);
    const front = await orderRecorder({ target: listen, ca, key: readFileSync(join(dir, 'api.key')), cert: readFileSync(join(dir, 'api.pem')) });
    closers.push(() => front.close());
    const directoryUrl = `https://127.0.0.1:${front.port}/dir`;
    const challUrl = `http://127.0.0.1:${challMgmt}`;
    // Any management call will do to see challtestsrv is up; this one repeats -defaultIPv6 '' (no AAAA answers).
    await waitFor(async () => (await plainPost(`${challUrl}/set-default-ipv6`, { ip: '' })) === 200, () => 'pebble-challtestsrv did not answer');
    const pem = async (path: string) => {
      const r = await api(`https://127.0.0.1:${mgmt}${path}`);
      if (r.status !== 200) throw new Error(`pebble ${path}: ${r.status}`);
      return r.body;
    };
    return {
      directoryUrl,
      apiCaFile,
      issuedRootPem: () => pem('/roots/0'),
      issuedIntermediatePem: () => pem('/intermediates/0'),
      orders: () => logText.split('\n').filter((l) => ORDER_LINE.test(l)).length,
      ordersFor: (host) => front.orders.filter((ids) => ids.includes(host.toLowerCase())).length,
      setAddress: async (host, ip) => {
        const status = await plainPost(`${challUrl}/add-a`, { host, addresses: [ip] });
        if (status !== 200) throw new Error(`challtestsrv add-a ${host}: ${status}`);
      },
      log: () => logText,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

// pebble 2.4 logs one line per created order: `Pebble <date> <time> Added order "<id>" to the db`.
// It names no identifiers, hence the recording front below for ordersFor().
const ORDER_LINE = /^Pebble .* Added order "[^"]+" to the db$/;

/**
 * A TLS pass-through in front of pebble's API that notes the identifiers of every order pebble
 * accepts (POST /order-plz answered 201). The Host header is kept, and pebble builds every URL
 * it returns from it, so ACME clients keep talking through the front.
 */
async function orderRecorder(o: { target: number; ca: Buffer; key: Buffer; cert: Buffer }): Promise<{ port: number; orders: string[][]; close(): Promise<void> }> {
  const orders: string[][] = [];
  const server = createHttpsServer({ key: o.key, cert: o.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = request({ host: '127.0.0.1', port: o.target, method: req.method, path: req.url, headers: req.headers, ca: o.ca, servername: 'localhost', agent: false }, (ur) => {
        if (req.method === 'POST' && req.url === '/order-plz' && ur.statusCode === 201) orders.push(orderIdentifiers(body));
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => { res.statusCode = 502; res.end(); });
      up.end(body);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  return { port, orders, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

/** The identifier values of a newOrder JWS body (its payload is base64url JSON). */
function orderIdentifiers(body: Buffer): string[] {
  try {
    const jws = JSON.parse(body.toString('utf8')) as { payload?: string };
    const payload = JSON.parse(Buffer.from(jws.payload ?? '', 'base64url').toString('utf8')) as { identifiers?: { value?: string }[] };
    return (payload.identifiers ?? []).map((i) => (i.value ?? '').toLowerCase());
  } catch {
    return [];
  }
}

class Fatal extends Error {}

function track(p: ChildProcess, procs: ChildProcess[]): void {
  p.on('error', () => { /* a failed spawn leaves no pid: reported below */ });
  if (!p.pid) throw new Error(`${p.spawnfile} could not start: install it with scripts/setup-host --test (Debian package pebble)`);
  procs.push(p);
  started.add(p);
  p.once('exit', () => started.delete(p));
  p.stdout?.resume();
  p.stderr?.resume();
}

async function endProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null || !p.pid) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  process.kill(p.pid, 'SIGTERM');
  const timer = setTimeout(() => { if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGKILL'); }, 3000);
  await exited;
  clearTimeout(timer);
}

/** A throwaway CA and a leaf for 127.0.0.1/localhost, which pebble serves its API with. */
async function makeApiCertificates(dir: string): Promise<string> {
  const f = (n: string) => join(dir, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', f('api-ca.key'), '-out', f('api-ca.pem'), '-days', '2',
    '-subj', '/CN=berthtest pebble API CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', ...ec, '-keyout', f('api.key'), '-out', f('api.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('api.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['x509', '-req', '-in', f('api.csr'), '-CA', f('api-ca.pem'), '-CAkey', f('api-ca.key'), '-CAcreateserial',
    '-out', f('api.pem'), '-days', '2', '-extfile', f('api.ext')]);
  return f('api-ca.pem');
}

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function plainPost(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

async function waitFor(ok: () => Promise<boolean>, why: () => string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await ok()) return;
    } catch (e) {
      if (e instanceof Fatal) throw e; // anything else: not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(why());
}


/** A loopback port free for both TCP and UDP (challtestsrv's DNS listens on both). */
async function freeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    const free = await new Promise<boolean>((resolve) => {
      const u = createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free loopback port for DNS');
}
