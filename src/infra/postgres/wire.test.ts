import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectPg, PgFramer, pgFrame, quoteIdent, scramClientFinal, scramClientFirstBare, scramVerifyServerFinal, type PgMessage } from './wire.js';

/** The example app's client (CommonJS, standard library only): the same checks apply to it. */
interface ExampleClient {
  scramClientFirstBare(user: string, nonce: string): string;
  scramClientFinal(password: string, clientNonce: string, clientFirstBare: string, serverFirst: string): { clientFinal: string; serverSignature: string };
  scramVerifyServerFinal(serverFinal: string, serverSignature: string): void;
  createFramer(): { push(chunk: Buffer): PgMessage[] };
  parseUrl(url: string): { host: string; port: number; user: string; password: string; database: string };
  connect(url: string, timeoutMs?: number): Promise<{ end(): Promise<void> }>;
}
const example = createRequire(import.meta.url)('../../../examples/node-postgres/pg.js') as ExampleClient;

// RFC 7677 section 3. (The server signature there is v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=.)
const RFC = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const clients = [
  {
    name: 'Berth (wire.ts)',
    scramClientFirstBare,
    scramClientFinal,
    scramVerifyServerFinal,
    framer: () => new PgFramer(),
    login: async (port: number) => (await connectPg({ host: '127.0.0.1', port, user: 'u', password: 'p', database: 'd', timeoutMs: 2000 })).close(),
  },
  { name: 'the example app (pg.js)', ...example, framer: () => example.createFramer(), login: async (port: number) => (await example.connect(`postgres://u:p@127.0.0.1:${port}/d`, 2000)).end() },
];

const auth = (code: number, ...rest: Buffer[]) => pgFrame('R', Buffer.from([0, 0, 0, code]), ...rest);
const ready = pgFrame('Z', Buffer.from('I'));

/** A loopback server that answers the startup message with the given bytes. */
async function fakeServer(answer: Buffer): Promise<{ port: number; server: Server }> {
  const server = createServer((sock) => {
    sock.once('data', () => sock.write(answer));
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

describe.each(clients)('$name', (c) => {
  it('computes the RFC 7677 SCRAM-SHA-256 client proof and accepts the server signature', () => {
    const first = c.scramClientFirstBare(RFC.user, RFC.clientNonce);
    expect(first).toBe('n=user,r=rOprNGfwEbeRWgbNEkqO');
    const r = c.scramClientFinal(RFC.password, RFC.clientNonce, first, RFC.serverFirst);
    expect(r.clientFinal).toBe(RFC.clientFinal);
    expect(() => c.scramVerifyServerFinal(RFC.serverFinal, r.serverSignature)).not.toThrow();
  });

  it('refuses a server that does not know the password, or answers with an error', () => {
    const r = c.scramClientFinal(RFC.password, RFC.clientNonce, c.scramClientFirstBare(RFC.user, RFC.clientNonce), RFC.serverFirst);
    expect(() => c.scramVerifyServerFinal('v=6rriTRBi23WpRR/wtup+mMhUZUn/dEpKUtQ3NNaTmfM=', r.serverSignature)).toThrow(/signature/);
    expect(() => c.scramVerifyServerFinal('e=invalid-proof', r.serverSignature)).toThrow(/invalid-proof/);
  });

  it('refuses a server nonce that does not extend its own', () => {
    expect(() => c.scramClientFinal('pencil', 'abc', 'n=,r=abc', 'r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')).toThrow(/malformed/);
  });

  it('accepts a server that lets it in without a password (AuthenticationOk)', async () => {
    const { port, server } = await fakeServer(Buffer.concat([auth(0), pgFrame('S', Buffer.from('server_version\u000015\u0000')), ready]));
    try {
      await expect(c.login(port)).resolves.toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('refuses to send a password any other way than SCRAM-SHA-256', async () => {
    for (const answer of [auth(3), auth(5, Buffer.from('salt')), auth(10, Buffer.from('SCRAM-SHA-256-PLUS\u0000\u0000'))]) {
      const { port, server } = await fakeServer(answer);
      try {
        await expect(c.login(port)).rejects.toThrow(/SCRAM-SHA-256 only/);
      } finally {
        server.close();
      }
    }
  });

  it('reassembles messages however the stream is split into chunks', () => {
    const message = fc.record({ type: fc.constantFrom('R', 'S', 'K', 'Z', 'T', 'D', 'C', 'E', 'N'), body: fc.uint8Array({ maxLength: 300 }) });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => pgFrame(m.type, Buffer.from(m.body))));
        const points = [...new Set(cuts.map((n) => n % (stream.length + 1)))].sort((a, b) => a - b);
        const framer = c.framer();
        const got: PgMessage[] = [];
        let at = 0;
        for (const p of [...points, stream.length]) {
          got.push(...framer.push(stream.subarray(at, p)));
          at = p;
        }
        expect(got.map((m) => ({ type: m.type, body: Buffer.from(m.body) }))).toEqual(messages.map((m) => ({ type: m.type, body: Buffer.from(m.body) })));
      }),
    );
  });
});

describe('the example app', () => {
  it('reads its DATABASE_URL, percent-decoded', () => {
    expect(example.parseUrl('postgres://shop_db:p%40ss%2Fw@berth-addon-shop-db:5432/shop_db')).toEqual({ host: 'berth-addon-shop-db', port: 5432, user: 'shop_db', password: 'p@ss/w', database: 'shop_db' });
    expect(example.parseUrl('postgresql://u:p@127.0.0.1/d').port).toBe(5432);
  });
});

describe('quoteIdent', () => {
  it('quotes identifiers, doubling inner quotes', () => {
    expect(quoteIdent('notes')).toBe('"notes"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
