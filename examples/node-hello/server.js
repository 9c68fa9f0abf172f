// A minimal Node.js web app for Berth: listens on $PORT, answers / and /health.
const http = require('node:http');

const port = Number(process.env.PORT || 3000);
const greeting = process.env.GREETING || 'Hello from node-hello';

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    return res.end('ok\n');
  }
  if (req.url === '/info') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ path: req.url, prefix: req.headers['x-forwarded-prefix'] || null, host: req.headers.host }));
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(`${greeting}!\n`);
});

server.listen(port, () => console.log(`node-hello listening on ${port}`));
// On SIGTERM finish in-flight requests, drop idle keep-alive connections (the proxy holds
// some), and exit; Berth has already routed new requests to the next release.
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5000).unref();
});
