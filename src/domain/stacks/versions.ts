// Which version of its runtime an app asks for (package.json engines.node, .node-version, .nvmrc,
// .python-version, runtime.txt, go.mod's go line), and the one build-log line Berth prints when
// the base image's version does not satisfy it. The build goes on with the image it has.
// Parsing is pure (files come through SourceFiles); the image's version is read from the label
// `berth images bootstrap` puts on each runtime image.
// semver (npm's own range grammar, the one engines.node is written in) rather than a hand-made
// range parser: `^20`, `>=18 <21`, `20.x` and `lts`-free partial versions all mean what npm says.
import semver from 'semver';
import type { ImageStore } from '../ports.js';
import type { SourceFiles } from './source-files.js';

export type VersionedRuntime = 'node' | 'python' | 'go';

/** The label holding the runtime's version on Berth's base images (e.g. "18.19.0"). */
export const RUNTIME_VERSION_LABEL = 'berth.runtime.version';

/** The command that prints each runtime's version inside its image. */
export const VERSION_PROBES: Record<VersionedRuntime, string[]> = {
  node: ['node', '--version'],
  python: ['python3', '--version'],
  go: ['go', 'version'],
};

/** The version in a probe's output: "v18.19.0", "Python 3.11.2", "go version go1.19.8 linux/amd64". */
export function parseProbeOutput(runtime: VersionedRuntime, output: string): string | null {
  const re = { node: /\bv(\d+\.\d+\.\d+)\b/, python: /\bPython (\d+\.\d+(?:\.\d+)?)\b/, go: /\bgo(\d+\.\d+(?:\.\d+)?)\b/ }[runtime];
  return re.exec(output)?.[1] ?? null;
}

export interface VersionAsk {
  runtime: VersionedRuntime;
  /** What the app wrote, e.g. "20.x", "3.12.1", ">=1.21". */
  asks: string;
  /** The file it came from, e.g. ".nvmrc", "package.json engines.node". */
  source: string;
  /** A semver range for what it asks; null when Berth cannot read it as one (`lts/*`, `pypy3.10`). */
  range: string | null;
}

/** The first line that is not empty or a `#` comment. */
const firstLine = (text: string | null) =>
  text
    ?.split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .find(Boolean);

/** nvm's names of Node.js LTS lines. */
const LTS: Record<string, number> = { argon: 4, boron: 6, carbon: 8, dubnium: 10, erbium: 12, fermium: 14, gallium: 16, hydrogen: 18, iron: 20, jod: 22, krypton: 24 };

function nodeRange(asks: string): string | null {
  const lts = /^lts\/([a-z]+)$/i.exec(asks)?.[1]?.toLowerCase();
  if (lts) return LTS[lts] === undefined ? null : String(LTS[lts]);
  return semver.validRange(asks, { loose: true });
}

/** A plain version such as "3.12" or "3.12.1" as a range (3.12 means any 3.12.x); else null. */
const plainVersion = (v: string) => (/^\d+(\.\d+){0,2}$/.test(v) ? semver.validRange(v) : null);

/**
 * What the app asks of its runtime, from the first file that says (Node.js: engines.node, then
 * .node-version, then .nvmrc; Python: .python-version, then runtime.txt; Go: go.mod's go line,
 * a minimum). Undefined when nothing asks.
 */
export function versionAsk(files: SourceFiles, runtime: VersionedRuntime, enginesNode?: string): VersionAsk | undefined {
  const ask = (asks: string, source: string, range: string | null): VersionAsk => ({ runtime, asks, source, range });
  if (runtime === 'node') {
    if (enginesNode?.trim()) return ask(enginesNode.trim(), 'package.json engines.node', nodeRange(enginesNode.trim()));
    for (const f of ['.node-version', '.nvmrc']) {
      const v = firstLine(files.read(f));
      if (v) return ask(v, f, nodeRange(v));
    }
    return undefined;
  }
  if (runtime === 'python') {
    const pv = firstLine(files.read('.python-version'));
    if (pv) return ask(pv, '.python-version', plainVersion(pv));
    const rt = firstLine(files.read('runtime.txt'));
    if (rt) {
      const v = /^python-(.+)$/.exec(rt)?.[1];
      return ask(v ?? rt, 'runtime.txt', v ? plainVersion(v) : null);
    }
    return undefined;
  }
  const go = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(files.read('go.mod') ?? '')?.[1];
  return go ? ask(go, 'go.mod', `>=${semver.coerce(go)!.version}`) : undefined;
}

/**
 * The build-log line for an ask the image does not satisfy; null when it does. `version` is the
 * image's runtime version, null when the image does not say (made before Berth labelled them).
 */
export function versionLine(a: VersionAsk, image: { ref: string; version: string | null }): string | null {
  const asked = `${a.runtime}: app asks for ${a.asks} (${a.source})`;
  if (image.version === null) return `${asked}; this server's base image ${image.ref} does not record its version (berth images bootstrap records it) — building with it`;
  const have = semver.coerce(image.version);
  if (a.range !== null && have && semver.satisfies(have, a.range)) return null;
  return `${asked}; this server's base image has ${image.version} — building with ${image.version}`;
}

/** versionLine for the image as it is on this host now (the label, or unknown). */
export async function imageVersionLine(images: Pick<ImageStore, 'image'>, a: VersionAsk, ref: string): Promise<string | null> {
  const info = await images.image(ref);
  return versionLine(a, { ref, version: info?.labels[RUNTIME_VERSION_LABEL] ?? null });
}
