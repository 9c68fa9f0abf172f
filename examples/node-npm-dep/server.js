// A Node.js app with an npm dependency and no Dockerfile: Berth detects it and builds it.
const http = require('node:http');
const isNumber = require('is-number');

const port = Number(process.env.PORT || 3000);
http
  .createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`node-npm-dep: is-number(42) is ${isNumber(42)}\n`);
  })
  .listen(port, () => console.log(`node-npm-dep listening on ${port}`));
