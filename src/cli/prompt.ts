// Reading a secret (an API token, a password) for the CLI: a hidden prompt on a terminal, or the
// whole of standard input when the caller asked for that (--token-stdin, --password-stdin).
import { Invalid } from '../errors.js';

/** The user pressed Ctrl-C at a prompt: nothing was done; the CLI exits 130 like a shell would. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

/** What one chunk of keyboard input does to the secret typed so far. Pure, for tests. */
export function applyKeys(typed: string, chunk: string): { typed: string; done?: 'enter' | 'eof' | 'cancel' } {
  let s = typed;
  const chars = [...chunk];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    // A key sent as an escape sequence (arrows, Home, Delete, F1, Alt+key) adds nothing: its
    // printable tail ("[D" of a left arrow) must not become part of the secret.
    if (ch === '\x1b') {
      i = escapeEnd(chars, i);
      continue;
    }
    if (ch === '\r' || ch === '\n') return { typed: s, done: 'enter' };
    if (ch === '\x03') return { typed: s, done: 'cancel' };
    // Ctrl-D: end of input on an empty line, as a terminal's own line discipline treats it.
    if (ch === '\x04') {
      if (s === '') return { typed: s, done: 'eof' };
      continue;
    }
    if (ch === '\x7f' || ch === '\b') s = [...s].slice(0, -1).join('');
    else if (ch === '\x15') s = '';
    else if (ch >= ' ') s += ch;
    // Other control characters are ignored.
  }
  return { typed: s };
}

/** The index of the last character of the escape sequence starting at `i` (an ESC). */
function escapeEnd(chars: string[], i: number): number {
  const next = chars[i + 1];
  if (next === undefined) return i;
  // CSI: ESC [ parameters and intermediates (0x20-0x3F), then one final byte (0x40-0x7E).
  if (next === '[') {
    let j = i + 2;
    while (j < chars.length && chars[j]! >= ' ' && chars[j]! <= '?') j++;
    return Math.min(j, chars.length - 1);
  }
  // SS3 (ESC O A: an arrow in application mode, F1-F4) and Alt+key: two characters.
  if (next === 'O') return Math.min(i + 2, chars.length - 1);
  return i + 1;
}

/**
 * Prompts on the terminal and reads a line without echoing it. Raw mode, not readline: the
 * characters typed must never reach the screen, and Ctrl-C or Ctrl-D must end the wait with a
 * clear message rather than leave the process hanging (or exiting silently with code 13).
 */
export async function readHidden(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!input.isTTY) throw Invalid('standard input is not a terminal, so there is nobody to prompt');
  // Raw mode first: keys typed the moment the prompt shows must not be echoed either.
  input.setRawMode(true);
  output.write(prompt);
  input.setEncoding('utf8');
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const finish = (f: () => void) => {
        input.off('data', onData);
        input.off('end', onEnd);
        f();
      };
      const onEnd = () => finish(() => reject(Invalid('input ended before a line was entered')));
      const onData = (chunk: string) => {
        const r = applyKeys(typed, chunk);
        typed = r.typed;
        if (r.done === 'enter') finish(() => resolve(typed));
        else if (r.done === 'cancel') finish(() => reject(new Cancelled()));
        else if (r.done === 'eof') finish(() => reject(Invalid('input ended (Ctrl-D) before a line was entered')));
      };
      input.on('data', onData);
      input.on('end', onEnd);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    output.write('\n');
  }
}

/** All of standard input, without the trailing newline: for `--token-stdin` and `--password-stdin`. */
export async function readAllStdin(input: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * A secret from standard input when `fromStdin`, else from a hidden prompt on the terminal
 * (asked twice with `confirm`: a mistyped new password cannot be seen). Without a terminal and
 * without `fromStdin` it fails at once, naming the options that work.
 */
export async function readSecret(p: { prompt: string; fromStdin: boolean; what: string; options: string; confirm?: string }): Promise<string> {
  if (p.fromStdin) return (await readAllStdin()).trim();
  if (!process.stdin.isTTY) throw Invalid(`no ${p.what} given, and standard input is not a terminal to ask for one`, { hint: `pass ${p.options}` });
  const secret = (await readHidden(p.prompt)).trim();
  if (p.confirm && secret !== '' && (await readHidden(p.confirm)).trim() !== secret) throw Invalid(`the two ${p.what}s differ; nothing was changed`);
  return secret;
}
