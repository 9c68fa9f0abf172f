// The build step: writes dist/server.js from src/ (stands in for tsc, a bundler, ...).
const fs = require('node:fs');

fs.mkdirSync('dist', { recursive: true });
const source = fs.readFileSync('src/server.js', 'utf8');
fs.writeFileSync('dist/server.js', source.replace('__BUILT_AT__', 'build step'));
console.log('built dist/server.js');
