// Which images a Dockerfile makes the builder read: FROM, COPY/ADD --from, RUN --mount from=,
// and the same in ONBUILD triggers, read with Docker's own line rules (parser directives,
// continuations, comments) and ARG substitution. Pure: source-policy.ts decides what is allowed.

/** One image the build would read, as the builder would resolve it. */
export interface ImageUse {
  ref: string;
  /** 1-based line of the instruction (its first line). */
  line: number;
  /** FROM, COPY --from, ADD --from, RUN --mount, or ONBUILD ... */
  what: string;
}

export interface DockerfileImages {
  images: ImageUse[];
  /** Image positions Berth cannot resolve for certain (unknown variables, heredocs): refuse them. */
  problems: string[];
}

/** A variable whose value Berth cannot know (set by ENV, or from something it cannot evaluate). */
const UNKNOWN = Symbol('unknown');
type Value = string | typeof UNKNOWN;
type Scope = Map<string, Value>;

class Unresolvable extends Error {}

interface LogicalLine {
  text: string;
  line: number;
}

const DIRECTIVE_RE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const WHITESPACE_RE = /[\t\v\f\r ]+/;

/** Leading white space as Go's unicode.IsSpace sees it (Docker trims with it; JS's trimStart differs). */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
const LEADING_SPACE = new RegExp(`^[${GO_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${GO_SPACE}]+$`);
const trimLeft = (s: string): string => s.replace(LEADING_SPACE, '');
const trimGo = (s: string): string => trimLeft(s).replace(TRAILING_SPACE, '');

/**
 * The instructions of a Dockerfile as Docker's parser joins them: a byte-order mark dropped,
 * parser directives read (escape= changes the continuation character, unless `escape` is given),
 * a line ending in the escape character (spaces after it allowed, an escaped escape not)
 * continued, and comment and empty lines inside a continuation skipped.
 */
export function dockerfileLines(text: string, escape?: '\\' | '`'): { lines: LogicalLine[]; escape: string } {
  const raw = text.replace(/^\uFEFF/, '').split('\n');
  let esc = '\\';
  let i = 0;
  // Directives come first; any other line (a comment, a blank line, an instruction) ends them.
  for (; i < raw.length; i++) {
    const m = DIRECTIVE_RE.exec(trimLeft(trimNewline(raw[i]!)));
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (key === 'escape' && (m[2] === '`' || m[2] === '\\')) esc = m[2];
    else if (key !== 'syntax' && key !== 'check') break;
  }
  esc = escape ?? esc;
  const e = esc === '\\' ? '\\\\' : esc;
  const continuation = new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
  const isComment = (l: string) => trimLeft(l).startsWith('#');
  const lines: LogicalLine[] = [];
  while (i < raw.length) {
    const start = i + 1;
    let first = trimLeft(trimNewline(raw[i++]!));
    if (isComment(first)) first = '';
    let ended = !continuation.test(first);
    let buf = first.replace(continuation, '$1');
    if (ended && buf === '') continue;
    while (!ended && i < raw.length) {
      const next = trimNewline(raw[i++]!);
      if (isComment(next) || trimLeft(next) === '') continue;
      ended = !continuation.test(next);
      buf += next.replace(continuation, '$1');
    }
    lines.push({ text: buf, line: start });
  }
  return { lines, escape: esc };
}

const trimNewline = (s: string): string => s.replace(/[\r\n]+$/, '');

/** Docker's builder flags at the start of an instruction's arguments (`--from="x" --chown=a`), and the rest. */
export function builderFlags(args: string): { flags: { name: string; value: string | undefined }[]; rest: string } {
  const words: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < args.length && /\s/.test(args[pos]!)) pos++;
    if (!args.startsWith('--', pos)) break;
    let word = '';
    let quote = '';
    let blankOk = false;
    for (; pos < args.length; pos++) {
      const ch = args[pos]!;
      if (quote) {
        if (ch === quote) quote = '';
        else if (ch === '\\' && pos + 1 < args.length) word += args[++pos];
        else if (ch !== '\\') word += ch;
        continue;
      }
      if (/\s/.test(ch)) break;
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
      } else if (ch === '\\') {
        if (pos + 1 < args.length) word += args[++pos];
      } else word += ch;
    }
    if (word === '--') return { flags: toFlags(words), rest: args.slice(pos).trimStart() };
    if (blankOk || word !== '') words.push(word);
  }
  return { flags: toFlags(words), rest: args.slice(pos) };
}

function toFlags(words: string[]): { name: string; value: string | undefined }[] {
  return words.map((w) => {
    const body = w.startsWith('--') ? w.slice(2) : w;
    const eq = body.indexOf('=');
    return eq < 0 ? { name: body.toLowerCase(), value: undefined } : { name: body.slice(0, eq).toLowerCase(), value: body.slice(eq + 1) };
  });
}

/**
 * A word with quotes removed and `$X`, `${X}`, `${X:-default}`, `${X-default}`, `${X:+alt}`,
 * `${X+alt}` substituted from `scope`. A variable that is unset (without a default), or whose
 * value Berth cannot know, throws Unresolvable: guessing would check a different image than the
 * builder uses.
 */
export function expandWord(word: string, scope: ReadonlyMap<string, Value>, escape = '\\'): string {
  let out = '';
  let i = 0;
  const lookup = (name: string): Value | undefined => scope.get(name);
  const dollar = (): string => {
    // at word[i] === '$'
    i++;
    if (word[i] === '{') {
      const close = matchingBrace(word, i);
      if (close < 0) throw new Unresolvable(`an unclosed \${ in ${word}`);
      const body = word.slice(i + 1, close);
      i = close + 1;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])(.*))?$/s.exec(body);
      if (!m) throw new Unresolvable(`\${${body}} (Berth reads only \${X}, \${X:-default} and \${X:+alternative})`);
      const [, name, op, arg] = m;
      const v = lookup(name!);
      if (v === UNKNOWN) throw new Unresolvable(`$${name} (set by ENV or from a value Berth cannot know)`);
      const isSet = v !== undefined && (op?.startsWith(':') ? v !== '' : true);
      if (op === ':-' || op === '-') return isSet ? v : expandWord(arg ?? '', scope, escape);
      if (op === ':+' || op === '+') return isSet ? expandWord(arg ?? '', scope, escape) : '';
      if (v === undefined) throw new Unresolvable(`$${name} is not set`);
      return v;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.slice(i));
    if (!m) return '$';
    i += m[0].length;
    const v = lookup(m[0]);
    if (v === UNKNOWN) throw new Unresolvable(`$${m[0]} (set by ENV or from a value Berth cannot know)`);
    if (v === undefined) throw new Unresolvable(`$${m[0]} is not set`);
    return v;
  };
  while (i < word.length) {
    const ch = word[i]!;
    if (ch === "'") {
      const close = word.indexOf("'", i + 1);
      if (close < 0) throw new Unresolvable(`an unclosed quote in ${word}`);
      out += word.slice(i + 1, close);
      i = close + 1;
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= word.length) throw new Unresolvable(`an unclosed quote in ${word}`);
        const c = word[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === escape && i + 1 < word.length && ['"', '$', escape].includes(word[i + 1]!)) {
          out += word[i + 1];
          i += 2;
        } else if (c === '$') out += dollar();
        else {
          out += c;
          i++;
        }
      }
    } else if (ch === escape) {
      if (i + 1 < word.length) out += word[i + 1];
      i += 2;
    } else if (ch === '$') out += dollar();
    else {
      out += ch;
      i++;
    }
  }
  return out;
}

function matchingBrace(s: string, open: number): number {
  let depth = 0;
  for (let j = open; j < s.length; j++) {
    if (s[j] === '{') depth++;
    else if (s[j] === '}' && --depth === 0) return j;
  }
  return -1;
}

/** Words separated by whitespace outside quotes (quotes and escapes kept, as ARG and ENV see them). */
function shellWords(s: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (!quote && /\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    word += ch;
    if (ch === escape && quote !== "'" && i + 1 < s.length) word += s[++i];
    else if (quote && ch === quote) quote = '';
    else if (!quote && (ch === '"' || ch === "'")) quote = ch;
  }
  if (inWord) words.push(word);
  return words;
}

/** RUN --mount's comma-separated options (double quotes may hold commas). */
function mountOptions(value: string): Map<string, string> {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"') {
      if (quoted && value[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      fields.push(cur);
      cur = '';
    } else cur += ch;
  }
  fields.push(cur);
  const out = new Map<string, string>();
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq > 0) out.set(f.slice(0, eq).trim().toLowerCase(), f.slice(eq + 1));
  }
  return out;
}

// A heredoc (`RUN <<EOF`) makes the lines after it data, not instructions, in builders that
// support them; Berth's reading would then differ from the builder's, so they are refused.
const HEREDOC_RE = /^\d*<<-?[^<\s]/;

/**
 * The images a Dockerfile reads. `buildArgs` are the --build-arg values Berth passes: they
 * override the defaults of the ARGs they name, and only declared ARGs are visible (those before
 * the first FROM in FROM lines, as in Docker).
 */
export function dockerfileImages(text: string, buildArgs: Readonly<Record<string, string>>): DockerfileImages {
  // Which escape character a builder takes from a directive has varied between versions; when
  // the file names one anywhere, Berth reads it both ways and checks everything either finds.
  if (!/^[^\S\n]*#[^\S\n]*escape[^\S\n]*=/im.test(text)) return readImages(text, buildArgs);
  const a = readImages(text, buildArgs, '\\');
  const b = readImages(text, buildArgs, '`');
  const key = (u: ImageUse) => `${u.line}\0${u.what}\0${u.ref}`;
  const seen = new Set(a.images.map(key));
  return { images: [...a.images, ...b.images.filter((u) => !seen.has(key(u)))], problems: [...new Set([...a.problems, ...b.problems])] };
}

function readImages(text: string, buildArgs: Readonly<Record<string, string>>, forceEscape?: '\\' | '`'): DockerfileImages {
  const { lines, escape } = dockerfileLines(text, forceEscape);
  const images: ImageUse[] = [];
  const problems: string[] = [];
  const meta: Scope = new Map();
  const stages: string[] = [];
  let scope: Scope | undefined; // undefined before the first FROM
  const args = new Map(Object.entries(buildArgs));

  const declare = (target: Scope, words: string[], inherited: Scope | undefined) => {
    for (const w of words) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w : w.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      const passed = args.get(name);
      let v: Value | undefined;
      if (passed !== undefined) v = passed;
      else if (eq >= 0) {
        try {
          v = expandWord(w.slice(eq + 1), target, escape);
        } catch {
          v = UNKNOWN;
        }
      } else v = inherited?.get(name);
      if (v === undefined) target.delete(name);
      else target.set(name, v);
    }
  };

  /** `stageRefs`: names of earlier stages (FROM), or also their numbers (--from). */
  const use = (raw: string, sc: Scope, line: number, what: string, stageRefs: 'names' | 'names and numbers') => {
    let ref: string;
    try {
      ref = expandWord(raw, sc, escape);
    } catch (e) {
      problems.push(`line ${line}: ${what} ${raw}: cannot resolve ${(e as Error).message}`);
      return;
    }
    if (ref === '') {
      problems.push(`line ${line}: ${what} ${raw} names no image`);
      return;
    }
    if (stageRefs === 'names and numbers' && /^\d+$/.test(ref) && Number(ref) < stages.length) return;
    if (stages.includes(ref.toLowerCase())) return;
    if (what === 'FROM' && ref.toLowerCase() === 'scratch') return;
    images.push({ ref, line, what });
  };

  const instruction = (l: LogicalLine, trigger: boolean) => {
    // Docker splits the command off at [\t\v\f\r ] and lowercases it as Go does (İ is i there).
    const t = trimGo(l.text);
    const cut = WHITESPACE_RE.exec(t);
    const word = cut ? t.slice(0, cut.index) : t;
    const rest = cut ? t.slice(cut.index + cut[0].length) : '';
    const cmd = word.replace(/\u0130/g, 'i').replace(/\u212A/g, 'k').toLowerCase();
    const what = (s: string) => (trigger ? `ONBUILD ${s}` : s);
    if (cmd === 'onbuild' && !trigger) return instruction({ text: rest, line: l.line }, true);
    const { flags, rest: after } = builderFlags(rest);
    if (['run', 'copy', 'add'].includes(cmd) && shellWords(after, escape).some((w) => HEREDOC_RE.test(w))) {
      problems.push(`line ${l.line}: ${what(cmd.toUpperCase())} uses a heredoc (<<), which Berth cannot check`);
    }
    // Triggers run in a later build, with that build's variables: Berth takes none for granted.
    const sc = trigger ? new Map<string, Value>() : (scope ?? meta);
    if (cmd === 'arg' && !trigger) {
      declare(scope ?? meta, shellWords(after, escape), scope ? meta : undefined);
    } else if (cmd === 'env' && scope && !trigger) {
      // ENV values may hide an image name from Berth: any variable it sets becomes unknown.
      const words = shellWords(after, escape);
      const names = words[0]?.includes('=') ? words.map((w) => w.split('=')[0]!) : words.slice(0, 1);
      for (const n of names) scope.set(n, UNKNOWN);
    } else if (cmd === 'from' && !trigger) {
      const parts = trimGo(after).split(WHITESPACE_RE).filter(Boolean);
      if (parts[0] !== undefined) use(parts[0], meta, l.line, 'FROM', 'names');
      stages.push(parts[1]?.toLowerCase() === 'as' && parts[2] ? parts[2].toLowerCase() : '');
      scope = new Map();
    } else if (cmd === 'copy' || cmd === 'add') {
      for (const f of flags) if (f.name === 'from' && f.value !== undefined) use(f.value, sc, l.line, what(`${cmd.toUpperCase()} --from`), 'names and numbers');
    } else if (cmd === 'run') {
      for (const f of flags) {
        if (f.name !== 'mount' || f.value === undefined) continue;
        const from = mountOptions(f.value).get('from');
        if (from !== undefined) use(from, sc, l.line, what('RUN --mount'), 'names and numbers');
      }
    }
  };

  for (const l of lines) instruction(l, false);
  return { images, problems };
}

/**
 * The images an image's ONBUILD triggers read (they run when another build starts FROM it),
 * with stage names and variables unknown.
 */
export function triggerImages(triggers: string[]): DockerfileImages {
  const found = dockerfileImages(`FROM scratch\n${triggers.map((t) => `ONBUILD ${t.replace(/\n/g, ' ')}`).join('\n')}\n`, {});
  return { images: found.images.map((i) => ({ ...i, line: i.line - 1 })), problems: found.problems.map((p) => p.replace(/^line (\d+)/, (_m, n: string) => `trigger ${Number(n) - 1}`)) };
}
