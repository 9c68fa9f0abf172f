import { describe, expect, it } from 'vitest';
import type { SourceFiles } from './detect.js';
import { imageVersionLine, parseProbeOutput, RUNTIME_VERSION_LABEL, versionAsk, versionLine, type VersionAsk } from './versions.js';

const files = (map: Record<string, string>): SourceFiles => ({ read: (p) => map[p] ?? null, has: (p) => p in map, list: () => Object.keys(map) });

describe('versionAsk: what each file asks for', () => {
  it.each([
    ['package.json engines.node', 'node', {}, '^20.1', { asks: '^20.1', source: 'package.json engines.node', range: '>=20.1.0 <21.0.0-0' }],
    ['.node-version', 'node', { '.node-version': '20.11.1\n' }, undefined, { asks: '20.11.1', source: '.node-version', range: '20.11.1' }],
    ['.nvmrc with a v and a comment', 'node', { '.nvmrc': '# pinned\nv20\n' }, undefined, { asks: 'v20', source: '.nvmrc', range: '>=20.0.0 <21.0.0-0' }],
    ['.nvmrc naming an LTS line', 'node', { '.nvmrc': 'lts/iron' }, undefined, { asks: 'lts/iron', source: '.nvmrc', range: '20' }],
    ['.nvmrc naming no version', 'node', { '.nvmrc': 'lts/*' }, undefined, { asks: 'lts/*', source: '.nvmrc', range: null }],
    ['.python-version', 'python', { '.python-version': '3.12\n' }, undefined, { asks: '3.12', source: '.python-version', range: '>=3.12.0 <3.13.0-0' }],
    ['runtime.txt', 'python', { 'runtime.txt': 'python-3.12.1\n' }, undefined, { asks: '3.12.1', source: 'runtime.txt', range: '3.12.1' }],
    ['runtime.txt Berth cannot read', 'python', { 'runtime.txt': 'pypy3.10' }, undefined, { asks: 'pypy3.10', source: 'runtime.txt', range: null }],
    ["go.mod's go line (a minimum)", 'go', { 'go.mod': 'module x\n\ngo 1.21\n' }, undefined, { asks: '1.21', source: 'go.mod', range: '>=1.21.0' }],
  ] as const)('reads %s', (_what, runtime, map, engines, want) => {
    expect(versionAsk(files(map), runtime, engines)).toEqual({ runtime, ...want });
  });

  it('prefers engines.node to .node-version to .nvmrc, and .python-version to runtime.txt', () => {
    expect(versionAsk(files({ '.nvmrc': '18', '.node-version': '19' }), 'node', '20')?.source).toBe('package.json engines.node');
    expect(versionAsk(files({ '.nvmrc': '18', '.node-version': '19' }), 'node')?.source).toBe('.node-version');
    expect(versionAsk(files({ 'runtime.txt': 'python-3.10.0', '.python-version': '3.12' }), 'python')?.source).toBe('.python-version');
  });

  it('is undefined when nothing asks', () => {
    expect(versionAsk(files({ 'package.json': '{}' }), 'node')).toBeUndefined();
    expect(versionAsk(files({ 'requirements.txt': '' }), 'python')).toBeUndefined();
    expect(versionAsk(files({ 'go.mod': 'module x\n' }), 'go')).toBeUndefined();
    expect(versionAsk(files({ '.nvmrc': '\n# nothing\n' }), 'node')).toBeUndefined();
  });
});

describe('versionLine: one line when the base image does not satisfy the ask', () => {
  const nvmrc20 = versionAsk(files({ '.nvmrc': '20' }), 'node')!;

  it('says what the app asks, where, and what it is built with', () => {
    expect(versionLine(nvmrc20, { ref: 'berth/node:bookworm', version: '18.19.0' })).toBe(
      "node: app asks for 20 (.nvmrc); this server's base image has 18.19.0 — building with 18.19.0",
    );
  });

  it.each([
    ['a matching major', nvmrc20, '20.11.1'],
    ['a range that holds', versionAsk(files({}), 'node', '>=18 <21')!, '18.19.0'],
    ['a Python minor', versionAsk(files({ '.python-version': '3.11' }), 'python')!, '3.11.2'],
    ['an older go line in go.mod', versionAsk(files({ 'go.mod': 'go 1.18' }), 'go')!, '1.19.8'],
    ['a Go release without a patch number', versionAsk(files({ 'go.mod': 'go 1.20' }), 'go')!, '1.20'],
  ] as [string, VersionAsk, string][])('prints nothing for %s', (_what, ask, version) => {
    expect(versionLine(ask, { ref: 'img', version })).toBeNull();
  });

  it.each([
    ['an exact Python patch', versionAsk(files({ 'runtime.txt': 'python-3.12.1' }), 'python')!, '3.11.2', 'python: app asks for 3.12.1 (runtime.txt)'],
    ['a newer go line', versionAsk(files({ 'go.mod': 'go 1.22' }), 'go')!, '1.19.8', 'go: app asks for 1.22 (go.mod)'],
    ['an ask Berth cannot compare', versionAsk(files({ '.nvmrc': 'lts/*' }), 'node')!, '18.19.0', 'node: app asks for lts/* (.nvmrc)'],
  ] as [string, VersionAsk, string, string][])('prints the line for %s', (_what, ask, version, start) => {
    expect(versionLine(ask, { ref: 'img', version })).toBe(`${start}; this server's base image has ${version} — building with ${version}`);
  });

  it('says the version is unknown for a base image made before Berth recorded it', async () => {
    const images = { image: (ref: string) => Promise.resolve(ref === 'old' ? { id: 'sha256:1', tags: [ref], labels: {}, exposedPorts: [] } : null) };
    expect(await imageVersionLine(images, nvmrc20, 'old')).toBe(
      "node: app asks for 20 (.nvmrc); this server's base image old does not record its version (berth images bootstrap records it) — building with it",
    );
    const labelled = { image: () => Promise.resolve({ id: 'sha256:2', tags: [], labels: { [RUNTIME_VERSION_LABEL]: '20.1.0' }, exposedPorts: [] }) };
    expect(await imageVersionLine(labelled, nvmrc20, 'new')).toBeNull();
  });
});

describe('parseProbeOutput', () => {
  it.each([
    ['node', 'v18.19.0\n', '18.19.0'],
    ['python', 'Python 3.11.2\n', '3.11.2'],
    ['go', 'go version go1.19.8 linux/amd64\n', '1.19.8'],
    ['go', 'go version go1.20 linux/arm64', '1.20'],
    ['node', 'command not found', null],
  ] as const)('reads %s from %j', (runtime, out, want) => {
    expect(parseProbeOutput(runtime, out)).toBe(want);
  });
});
