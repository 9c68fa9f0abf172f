// A notes app on PostgreSQL for Berth, with no npm dependencies (pg.js speaks the wire protocol).
// GET /health; POST /notes (the body is the note) → 201 {id, body}; GET /notes → [{id, body}].
// Without DATABASE_URL (deployed before its add-on is attached) /notes answers 503.
const http = require('node:http');
const pg = require('./pg.js');

const port = Number(process.env.PORT || 3000);

// One connection per request: a few milliseconds of SCRAM, and nothing to go stale when the
// database restarts or is restored underneath the app.
async function withDb(fn) {
  const db = await pg.connect(process.env.DATABASE_URL, 5000);
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 64 * 1024) { reject(Object.assign(new Error('note too large'), { status: 413 })); req.destroy(); } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body) {
  const json = typeof body !== 'string';
  res.writeHead(status, { 'Content-Type': json ? 'application/json' : 'text/plain' });
  res.end(json ? JSON.stringify(body) : `${body}\n`);
}

async function notes(req, res) {
  if (!process.env.DATABASE_URL) return send(res, 503, 'no database yet: attach one (berth addons create postgres --app APP) to set DATABASE_URL');
  if (req.method === 'POST') {
    const body = await readBody(req);
    const row = await withDb(async (db) => {
      // The table is made on demand, so a fresh database (or one whose table was dropped) works.
      await db.query('CREATE TABLE IF NOT EXISTS notes (id serial primary key, body text not null)');
      const r = await db.query('INSERT INTO notes (body) VALUES ($1) RETURNING id, body', [body]);
      return r.rows[0];
    });
    return send(res, 201, { id: Number(row.id), body: row.body });
  }
  if (req.method === 'GET') {
    // Reports what the table holds: a missing table is an error here, not an empty list.
    const r = await withDb((db) => db.query('SELECT id, body FROM notes ORDER BY id'));
    return send(res, 200, r.rows.map((n) => ({ id: Number(n.id), body: n.body })));
  }
  send(res, 405, 'GET or POST');
}

const server = http.createServer((req, res) => {
  const path = (req.url || '/').split('?')[0];
  if (path === '/health') return send(res, 200, 'ok');
  if (path === '/notes') {
    notes(req, res).catch((e) => {
      console.error(`notes: ${e.code ? `${e.code} ` : ''}${e.message}`);
      if (!res.headersSent) send(res, e.status || 500, { error: e.message, code: e.code || null });
    });
    return;
  }
  send(res, 404, 'not found');
});

server.listen(port, () => console.log(`node-postgres listening on ${port}`));
// On SIGTERM finish in-flight requests, drop idle keep-alive connections, and exit.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
