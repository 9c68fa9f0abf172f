#!/usr/bin/env node
// Fails when the folders of src/domain import each other in a circle (apps -> deploys -> apps),
// file cycles aside (madge --circular checks those). A folder is a layer: it may use the ones
// below it, never one that uses it. Prints every cycle with the imports
// that make it. Part of `npm run lint`.
/* global console, process, URL */
import madge from 'madge';

const root = new URL('../src/domain/', import.meta.url).pathname;
const res = await madge(root, { fileExtensions: ['ts'], tsConfig: new URL('../tsconfig.json', import.meta.url).pathname, excludeRegExp: [/\.test\.ts$/] });
const graph = res.obj();

/** The folder of a path relative to src/domain; files at the top form the layer "(top)". */
const folder = (f) => (f.includes('/') ? f.split('/')[0] : '(top)');
const edges = new Map(); // folder -> Map(folder -> [file imports])
for (const [file, deps] of Object.entries(graph)) {
  for (const dep of deps) {
    if (dep.startsWith('..')) continue;
    const a = folder(file);
    const b = folder(dep);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    const out = edges.get(a);
    out.set(b, [...(out.get(b) ?? []), `${file} -> ${dep}`]);
  }
}

// Tarjan's strongly connected components: each component of more than one folder is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const on = new Set();
const cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) cycles.push(comp.sort());
  }
}
for (const v of edges.keys()) if (!idx.has(v)) visit(v);

if (cycles.length === 0) {
  console.log(`domain layers: ${edges.size} folders, no cycle`);
  process.exit(0);
}
for (const comp of cycles) {
  console.error(`domain folders in a cycle: ${comp.join(', ')}`);
  for (const a of comp) for (const [b, files] of edges.get(a) ?? []) if (comp.includes(b)) for (const f of files) console.error(`  ${f}`);
}
process.exit(1);
