// Bundles the command line (src/main.ts and src/cli/) with the libraries only it uses into one
// file, dist/berth.js, which bin/berth runs. Every deploy waits for the CLI to start, and Node
// 20 pays per module file it resolves and loads: one file instead of ~80 saves ~35 ms a
// command. Everything else (server, domain, infra and their libraries) stays the separate
// modules tsc writes to dist/, imported from the bundle by their dist path, so each exists
// once (the same BerthError class on both sides) and its import.meta.url paths still hold.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
/** The libraries only the CLI loads; bundled with it. */
const CLI_PACKAGES = new Set(['commander', 'tar', 'ignore', 'yaml']);

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** Bundles src/main.ts and src/cli/**; points every other Berth module at its compiled twin in dist/. */
const cliOnly = {
  name: 'cli-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point' || !args.importer.startsWith(src)) return undefined;
      if (/^\.\.?\//.test(args.path)) {
        const abs = resolve(args.resolveDir, args.path);
        if (abs.startsWith(join(src, 'cli') + '/')) return undefined;
        return { path: `./${relative(src, abs)}`, external: true };
      }
      if (args.path.startsWith('node:') || !CLI_PACKAGES.has(packageName(args.path))) return { path: args.path, external: true };
      return undefined;
    });
  },
};

// Chunks are named by content: clear the previous build's.
for (const f of readdirSync(dist)) if (/^berth-.*\.js(\.map)?$/.test(f)) rmSync(join(dist, f));

await build({
  entryPoints: [join(src, 'main.ts')],
  outdir: dist,
  entryNames: 'berth',
  // Each command's code, loaded when that command runs; beside berth.js, so the dist paths of
  // the modules they import hold for them too.
  splitting: true,
  chunkNames: 'berth-[hash]',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  plugins: [cliOnly],
  // Bundled CommonJS libraries (ignore) may call require(); give the ES module one.
  banner: { js: "import { createRequire as __berthRequire } from 'node:module'; const require = __berthRequire(import.meta.url);" },
  logLevel: 'warning',
});
