// Type-aware lint for the bugs that bite servers: floating promises, `any`, misused promises.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// ---- The one-way flow `cli | http | jobs -> domain -> infra` (docs/architecture.md), checked on
// every import (static, re-exports and import()) by typescript-eslint's no-restricted-imports,
// whose allowTypeImports lets a layer name another's types without loading its code. Sources
// are matched as written: relative paths, so a segment like `/jobs/` names the top-level folder.
/** Each folder of src/infra is one door to the outside. */
const INFRA = readdirSync(join(import.meta.dirname, 'src', 'infra'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
const rel = (segments) => `^\\.{1,2}/(?:\\.\\./)*(?:${segments})`;
const zone = (segments, message, extra = {}) => ({ regex: rel(segments), message, ...extra });
const MAIN = zone('main\\.js$', 'only the composition root imports main.ts; it passes what others need down');
const layers = {
  domain: [
    zone('(?:http|cli|jobs|web)/', 'domain code never imports an entry point (cli, http, jobs, web): they call it, and it receives their parts through Deps (e.g. the JobQueue interface)'),
    MAIN,
  ],
  infra: (own) => [
    zone('(?:domain|http|cli|jobs|web)/', 'infra is the bottom layer: it imports nothing of Berth but errors.ts'),
    // A sibling folder of infra (../db/ from infra/git) or infra/<other>/ written out.
    { regex: `^\\.\\./(?!\\.\\./|${own}/)|(?:^|/)infra/(?!${own}/)`, message: `infra/${own} may not import another infra module: the domain combines them` },
    MAIN,
  ],
  http: [
    zone('(?:cli|jobs|web)/', 'entry points never import each other: http reaches jobs through the domain'),
    zone('infra/', 'http calls domain services, never infra (types of rows only, with import type)', { allowTypeImports: true }),
    MAIN,
  ],
  // Routes parse, authorize, call a service and reply: of infra they may name the row types only.
  routes: [
    zone('(?:cli|jobs|web)/', 'entry points never import each other: http reaches jobs through the domain'),
    zone('infra/(?!db/rows\\.js$)', 'routes call domain services only: put this behind a service in src/domain'),
    zone('infra/db/rows\\.js$', 'routes may name row types (import type), not load infra', { allowTypeImports: true }),
    MAIN,
  ],
  jobs: [zone('(?:http|cli|web)/', 'entry points never import each other'), MAIN],
  // The CLI is an HTTP client: of the server it loads only pure helpers it shares (names, audit
  // wording, the push hook's archive of the pushed commit); other domain modules only as types.
  cli: [
    zone('(?:http|jobs|web)/', 'the CLI talks to the server over HTTP; main.ts hands it startServer'),
    zone('infra/', 'the CLI never loads infra: go through a domain function'),
    zone('domain/(?!apps/names\\.js$|audit/describe-action\\.js$|pipelines/push-archive\\.js$)', 'the CLI may load these domain modules only as types (import type)', { allowTypeImports: true }),
    MAIN,
  ],
  // The dashboard runs in the browser: server code only as types; the CLI's time wording is shared.
  web: [
    zone('(?:domain|infra)/', 'the dashboard runs in the browser: server modules only as types (import type)', { allowTypeImports: true }),
    zone('(?:http|jobs)/', 'the dashboard reaches the server through api.ts only'),
    zone('cli/(?!output\\.js$)', 'the dashboard shares only cli/output.ts with the CLI'),
    MAIN,
  ],
};
/** The same zones for import(): esquery regexes may not contain '/', so it is written \\x2F. */
const dynamicImports = (patterns) =>
  patterns
    .filter((p) => !p.allowTypeImports)
    .map((p) => ({ selector: `ImportExpression[source.value=/${p.regex.replaceAll('/', '\\x2F')}/]`, message: p.message }));
/** HTTP code reaches Docker, Caddy, the log store, the job queue and the secrets through domain services only. */
const DEPS_INFRA = {
  selector: "MemberExpression[object.name='deps'][property.name=/^(scheduler|images|streams|networks|proxy|logs|jobs|secrets)$/]",
  message: 'http calls domain services: Docker, Caddy, logs, the job queue and secrets are theirs to use',
};
/** Routes parse, authorize, call a service and reply: the database is the services' too. */
const DEPS_DB = {
  selector: "MemberExpression[object.name='deps'][property.name='db']",
  message: 'routes call domain services only: read and write the database in a service of src/domain',
};
const restrict = (files, patterns, syntax = []) => ({
  files,
  // Tests may assemble real parts (a database in memory) to drive the layer they test.
  ignores: ['**/*.test.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': ['error', ...dynamicImports(patterns), ...syntax],
  },
});

export default tseslint.config(
  { ignores: ['vitest.config.ts', 'dist/**', 'node_modules/**', 'examples/**', 'test/fixtures/**/*.js', 'test/artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json', './src/web/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  // Event handlers of the dashboard may be async: each catches and shows its own errors.
  { files: ['src/web/**/*.tsx'], rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }] } },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  restrict(['src/domain/**/*.ts'], layers.domain),
  ...INFRA.map((own) => restrict([`src/infra/${own}/**/*.ts`], layers.infra(own))),
  restrict(['src/http/**/*.ts'], layers.http, [DEPS_INFRA]),
  restrict(['src/http/routes/**/*.ts'], layers.routes, [DEPS_INFRA, DEPS_DB]),
  restrict(['src/jobs/**/*.ts'], layers.jobs),
  restrict(['src/cli/**/*.ts'], layers.cli),
  restrict(['src/web/**/*.ts', 'src/web/**/*.tsx'], layers.web),
);
