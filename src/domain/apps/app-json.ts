// app.json as people write it for Dokku: JSON with comments and trailing commas, and Dokku's
// `healthchecks` (per process type, startup | liveness | readiness). Pure: text in, values out.
import { findNodeAtLocation, type Node, parseTree, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { Invalid } from '../../errors.js';
import type { ProcessCheckSettings } from '../../infra/db/rows.js';

// jsonc-parser is Microsoft's (VS Code's own settings.json reader): comments (// and /* */) and
// trailing commas as Dokku's Go reader accepts them, and an offset for every error and value,
// so errors can name the line. A hand-written comment stripper gets strings like "http://x" wrong.

/** A parsed app.json: its value, and where each value sits (for errors naming the line). */
export interface JsoncDocument {
  value: unknown;
  /** The 1-based line of the value at `path` (e.g. ['healthchecks', 'web', 0, 'timeout']); the nearest parent's when absent. */
  lineOf(path: (string | number)[]): number;
}

/** Parses JSON with comments and trailing commas; throws Invalid naming the line and column of the first error. */
export function parseJsonc(text: string, file: string): JsoncDocument {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const lineAt = (offset: number): { line: number; column: number } => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  };
  const first = errors[0];
  if (first || !tree) {
    const where = first ? lineAt(first.offset) : { line: 1, column: 1 };
    const what = first ? words(printParseErrorCode(first.error)) : 'no content';
    throw Invalid(`${file}: cannot be parsed: line ${where.line}, column ${where.column}: ${what}`);
  }
  return {
    value: valueOf(tree),
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = findNodeAtLocation(tree, path.slice(0, n));
        if (node) return lineAt(node.offset).line;
      }
      return 1;
    },
  };
}

/** "CommaExpected" -> "comma expected". */
const words = (code: string) => code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** The plain value of a parse tree node (jsonc-parser's getNodeValue, without its prototype-less objects). */
function valueOf(node: Node): unknown {
  switch (node.type) {
    case 'object':
      return Object.fromEntries((node.children ?? []).flatMap((p) => (p.children && p.children.length === 2 ? [[String(p.children[0]!.value), valueOf(p.children[1]!)]] : [])));
    case 'array':
      return (node.children ?? []).map(valueOf);
    default:
      return node.value as unknown;
  }
}

const TYPES = ['startup', 'liveness', 'readiness'] as const;
const PROCESS_RE = /^[a-z][a-z0-9_-]{0,29}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\x00-\x1f\x7f-\x9f]/;
/** Dokku's defaults (docker-container-healthchecker): 3 attempts, 5 s apart, 5 s timeout, no initial delay. */
export const CHECK_DEFAULTS = { attempts: 3, intervalMs: 5000, timeoutMs: 5000, initialDelayMs: 0, path: '/' } as const;

export interface ParsedChecks {
  checks: ProcessCheckSettings[];
  /** Checks Berth leaves out, said in the build log (Dokku's command and uptime checks). */
  notes: string[];
}

/**
 * Dokku's `healthchecks`: { <process type>: [ {type, name, description, path, content,
 * initialDelay, wait, timeout, attempts, port}, ... ] }, times in seconds. Berth probes over
 * HTTP: a `command`/`uptime`/`listening` check without a path is left out with a note. A check
 * of a type other than web must name its `port` (only web is routed on $PORT). Throws Invalid
 * listing every bad value with its line.
 */
export function parseHealthchecks(doc: JsoncDocument, file: string): ParsedChecks {
  const raw = (doc.value as { healthchecks?: unknown }).healthchecks;
  const out: ParsedChecks = { checks: [], notes: [] };
  if (raw === undefined || raw === null) return out;
  const problems: string[] = [];
  const bad = (path: (string | number)[], msg: string) => problems.push(`line ${doc.lineOf(path)}: ${dotted(path)} ${msg}`);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    bad(['healthchecks'], 'must be an object of process types, each a list of checks');
    throw Invalid(`${file}: ${problems.join('; ')}`);
  }
  for (const [process, list] of Object.entries(raw as Record<string, unknown>)) {
    const at = ['healthchecks', process];
    if (!PROCESS_RE.test(process)) {
      bad(at, 'is not a process type (lowercase letters, digits, - or _)');
      continue;
    }
    if (!Array.isArray(list)) {
      bad(at, 'must be a list of checks');
      continue;
    }
    list.forEach((entry: unknown, i) => {
      const here = [...at, i];
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return void bad(here, 'must be an object');
      const e = entry as Record<string, unknown>;
      const field = (k: string) => [...here, k];
      const type = e.type === undefined ? 'startup' : e.type;
      if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) bad(field('type'), `must be one of ${TYPES.join(', ')}`);
      const text = (k: string, max: number): string | undefined => {
        const v = e[k];
        if (v === undefined) return undefined;
        if (typeof v !== 'string' || v.length === 0 || v.length > max || CONTROL_RE.test(v)) bad(field(k), `must be text of 1 to ${max} characters on one line`);
        return typeof v === 'string' ? v : undefined;
      };
      const name = text('name', 100);
      const description = text('description', 500);
      const content = text('content', 1000);
      const seconds = (k: string, lo: number, hi: number, dflt: number): number => {
        const v = e[k];
        if (v === undefined) return dflt;
        if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
          bad(field(k), `must be a number of seconds from ${lo} to ${hi}`);
          return dflt;
        }
        return Math.round(v * 1000);
      };
      const initialDelayMs = seconds('initialDelay', 0, 600, CHECK_DEFAULTS.initialDelayMs);
      const intervalMs = seconds('wait', 0, 600, CHECK_DEFAULTS.intervalMs);
      const timeoutMs = seconds('timeout', 0.001, 120, CHECK_DEFAULTS.timeoutMs);
      let attempts: number = CHECK_DEFAULTS.attempts;
      if (e.attempts !== undefined) {
        if (typeof e.attempts !== 'number' || !Number.isInteger(e.attempts) || e.attempts < 1 || e.attempts > 1000) bad(field('attempts'), 'must be a whole number from 1 to 1000');
        else attempts = e.attempts;
      }
      let port: number | undefined;
      if (e.port !== undefined) {
        if (typeof e.port !== 'number' || !Number.isInteger(e.port) || e.port < 1 || e.port > 65535) bad(field('port'), 'must be a port number from 1 to 65535');
        else port = e.port;
      }
      let path: string = CHECK_DEFAULTS.path;
      if (e.path !== undefined) {
        if (typeof e.path !== 'string' || !/^\/[^\s]{0,1023}$/.test(e.path)) bad(field('path'), 'must start with / and contain no spaces');
        else path = e.path;
      }
      if (e.path === undefined && content === undefined && (e.command !== undefined || e.uptime !== undefined || e.listening !== undefined)) {
        const kind = e.command !== undefined ? 'command' : e.uptime !== undefined ? 'uptime' : 'listening';
        out.notes.push(`${file}: healthchecks.${process}[${i}]: Berth runs HTTP checks (a path); this ${kind} check is left out`);
        return;
      }
      if (process !== 'web' && port === undefined) bad(here, `checks a ${process} process, which is not routed on $PORT: give the check a port`);
      out.checks.push({
        process,
        type: type as ProcessCheckSettings['type'],
        name: name ?? `${process} ${typeof type === 'string' ? type : 'startup'} check ${i + 1}`,
        ...(description !== undefined ? { description } : {}),
        path,
        ...(content !== undefined ? { content } : {}),
        initialDelayMs,
        intervalMs,
        timeoutMs,
        attempts,
        ...(port !== undefined ? { port } : {}),
      });
    });
  }
  if (problems.length > 0) throw Invalid(`${file}: ${problems.join('; ')}`);
  return out;
}

/** ['healthchecks', 'web', 0, 'timeout'] -> healthchecks.web[0].timeout */
function dotted(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
