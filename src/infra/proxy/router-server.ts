// Berth's router: a small process of its own (router-main.ts) that Berth starts detached, like
// Caddy, so apps keep being served while Berth restarts. It holds the route table
// (router-table.ts) and serves it three ways:
//   - DNS over UDP on a loopback address: the edge Caddy's upstream lookups;
//   - HTTP on the same address over TCP: the TLS `ask` of on-demand certificates, and the pages
//     for requests the edge had no container for (404, 503, the 308 to https);
//   - a control socket (unix, 0600) where Berth puts a new table and learns how long until the
//     edge has certainly dropped the answers it changed.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { answer, emptyTable, fallbackFor, ipName, mayHaveCertificate, settleMs, type AnswerParams, type RouterTable } from './router-table.js';

export interface RouterOptions {
  /** Loopback host:port for DNS (UDP) and HTTP (TCP). */
  listen: string;
  /** Holds the table file and the control socket. */
  stateDir: string;
  /** Whether plain http to a host with a certificate is answered with a 308 to https. */
  redirect: boolean;
  httpsPort: number;
}

export const tableFile = (stateDir: string): string => join(stateDir, 'router-table.json');
export const controlSocket = (stateDir: string): string => join(stateDir, 'router.sock');

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>body{font-family:system-ui,sans-serif;margin:15vh auto;max-width:34rem;padding:0 1rem;color:#1d2330}h1{font-size:1.4rem}p{color:#555}small{color:#999}</style></head><body><h1>${title}</h1><p>${text}</p><small>served by Berth</small></body></html>`;
}
const NOT_FOUND_PAGE = page('No app here', 'Berth has no app at this address. Check the URL, or run <code>berth apps</code> to list apps and their URLs.');
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A table as stored or sent; what it leaves out is empty. */
const parseTable = (text: string): RouterTable => ({ ...emptyTable(), ...(JSON.parse(text) as Partial<RouterTable>) });

/** A UDP answer must fit what the asker can take: 512 bytes, or its EDNS payload size. */
function maxUdpSize(q: dnsPacket.Packet): number {
  const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(512, Math.min(opt?.udpPayloadSize ?? 512, 4096));
}

export class Router {
  private table: RouterTable;
  /** SRV names the edge asked about, and when: its cache of each lasts REFRESH_MS from then. */
  private readonly asked = new Map<string, { type: string; at: number }>();
  private udp?: Socket;
  private http?: Server;
  private control?: Server;
  private readonly params: AnswerParams;
  private rotate = 0;

  constructor(private readonly o: RouterOptions) {
    const [host = '127.0.0.1', port = '2053'] = o.listen.split(':');
    this.params = { fallback: { ip: host, port: Number(port) } };
    this.table = Router.readTable(o.stateDir);
  }

  static readTable(stateDir: string): RouterTable {
    try {
      return parseTable(readFileSync(tableFile(stateDir), 'utf8'));
    } catch {
      return emptyTable();
    }
  }

  async start(): Promise<void> {
    mkdirSync(this.o.stateDir, { recursive: true, mode: 0o700 });
    const { ip, port } = this.params.fallback;
    this.udp = createSocket('udp4');
    this.udp.on('message', (msg, rinfo) => {
      const reply = this.dns(msg);
      if (reply) this.udp?.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      this.udp!.once('error', reject);
      this.udp!.bind(port, ip, () => resolve());
    });
    this.http = createServer((req, res) => this.serveHttp(req, res));
    this.http.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(port, ip, () => resolve());
    });
    const sock = controlSocket(this.o.stateDir);
    rmSync(sock, { force: true });
    this.control = createServer((req, res) => this.serveControl(req, res));
    await new Promise<void>((resolve, reject) => {
      this.control!.once('error', reject);
      this.control!.listen(sock, () => resolve());
    });
    chmodSync(sock, 0o600);
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await Promise.all(
      [this.http, this.control].map(
        (s) =>
          new Promise<void>((r) => {
            if (!s) return r();
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
  }

  /** The reply to one DNS message, or null for one that is not a question. */
  dns(msg: Buffer): Buffer | null {
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return null;
    }
    if (q.type !== 'query' || !q.questions || q.questions.length !== 1) return null;
    const question = q.questions[0]!;
    const a = answer(this.table, question.name, question.type, this.params);
    if (a.kind === 'srv') {
      const now = Date.now();
      this.asked.set(question.name.toLowerCase().replace(/\.$/, ''), { type: question.type, at: now });
      if (this.asked.size > 10_000) for (const [k, v] of this.asked) if (v.at + 60_000 < now) this.asked.delete(k);
    }
    const answers: dnsPacket.Answer[] = [];
    if (a.kind === 'a') answers.push({ type: 'A', name: question.name, ttl: 1, class: 'IN', data: a.ip });
    if (a.kind === 'txt') answers.push({ type: 'TXT', name: question.name, ttl: 0, class: 'IN', data: a.text });
    if (a.kind === 'srv') {
      // Rotated, so that when not all of them fit one message the others get their turn.
      const start = this.rotate++ % a.targets.length;
      const targets = [...a.targets.slice(start), ...a.targets.slice(0, start)];
      for (const t of targets) answers.push({ type: 'SRV', name: question.name, ttl: 1, class: 'IN', data: { priority: 0, weight: 1, port: t.port, target: `${ipName(t.ip, t.hsts)}.` } });
    }
    const reply = (list: dnsPacket.Answer[]): Buffer =>
      dnsPacket.encode({
        type: 'response',
        id: q.id,
        // Authoritative; recursion desired copied from the question; NXDOMAIN (3) when the name does not exist.
        flags: dnsPacket.AUTHORITATIVE_ANSWER | ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | (a.kind === 'nxdomain' ? 3 : 0),
        questions: [question],
        answers: list,
      });
    let out = reply(answers);
    const max = maxUdpSize(q);
    while (out.length > max && answers.length > 1) {
      answers.pop();
      out = reply(answers);
    }
    return out;
  }

  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://router');
    // Caddy's `ask` comes straight from the edge; a request the edge proxied always carries
    // X-Forwarded-For (Caddy sets it), so no client can ask through an app's URL.
    if (url.pathname === '/internal/tls-ask' && req.headers['x-forwarded-for'] === undefined) {
      const verdict = mayHaveCertificate(this.table, url.searchParams.get('domain') ?? '', Date.now());
      res.writeHead(verdict.ok ? 200 : 403, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${verdict.why}\n`);
      return;
    }
    const header = (n: string): string | null => {
      const v = req.headers[n];
      return typeof v === 'string' ? v : null;
    };
    const f = fallbackFor(
      this.table,
      { host: header('x-forwarded-host') ?? header('host') ?? '', path: req.url ?? '/', proto: header('x-forwarded-proto') ?? 'http', prefix: header('x-forwarded-prefix') },
      { redirect: this.o.redirect, httpsPort: this.o.httpsPort },
    );
    if (f.status === 308) {
      res.writeHead(308, { Location: f.location, 'Content-Length': '0' }).end();
      return;
    }
    const body =
      f.status === 503 ? page('App not running', `The app <b>${escapeHtml(f.app)}</b> has no running container right now.`) : NOT_FOUND_PAGE;
    res.writeHead(f.status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...(f.status === 503 ? { 'Retry-After': '5' } : {}) }).end(body);
  }

  private serveControl(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/health') return send(200, { version: this.table.version, pid: process.pid });
    if (req.method === 'GET' && req.url === '/table') return send(200, this.table);
    if (req.method === 'PUT' && req.url === '/table') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let next: RouterTable;
        try {
          next = parseTable(Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          return send(400, { error: `not a table: ${String(e)}` });
        }
        const before = this.table;
        this.persist(next);
        this.table = next;
        send(200, { version: next.version, settleMs: settleMs(before, next, this.asked, Date.now(), this.params) });
      });
      return;
    }
    send(404, { error: 'not found' });
  }

  private persist(t: RouterTable): void {
    const file = tableFile(this.o.stateDir);
    writeFileSync(`${file}.tmp`, JSON.stringify(t), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}
