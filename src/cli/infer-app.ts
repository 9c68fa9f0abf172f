// Where a command line leaves out its APP: `berth logs` in a folder whose berth.yml names the app
// means `berth logs <that app>`, as `berth deploy` there deploys it. Pure: it only reads the
// program's definitions (arguments, options that take values) and the words typed.
import type { Command, Option } from 'commander';
import { isSettingsKey } from './settings-args.js';

/** Commands that never take the folder's app: destroying must name its app (safety); create names a new one. */
const EXPLICIT_ONLY = new Set(['destroy', 'create']);

/** Signs that a command's first word is not an app but what follows it (apps have no '=' or '.'). */
const NOT_AN_APP: Record<string, (first: string, count: number) => boolean> = {
  scale: (w) => w.includes('='),
  'domains add': (w) => w.includes('.'),
  'domains remove': (w) => w.includes('.'),
  // `berth rollback v3`: a version, not an app called v3.
  rollback: (w, n) => n === 1 && /^v?\d+$/.test(w),
};

const takesValue = (o: Option) => o.required || o.optional;

function findOption(cmd: Command, word: string): Option | undefined {
  const flag = word.split('=')[0]!;
  return cmd.options.find((o) => o.long === flag || o.short === flag);
}

/** The subcommand a word names (or its alias), if any. */
const sub = (cmd: Command, word: string) => cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));

interface Line {
  /** The command's path: `logs`, `domains add`. */
  name: string;
  cmd: Command;
  /** The operands typed after the command's name, with their indexes in the words. */
  operands: { word: string; at: number }[];
  /** Where a `--` is, when one follows the operands. */
  dashdash: number | undefined;
}

/** Which command the words after `berth` run, and their operands; undefined for none. */
function parseLine(program: Command, args: string[]): Line | undefined {
  // The command: top-level name, then subcommand names (or the default subcommand).
  let cmd = program;
  const path: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const w = args[i]!;
    if (w === '--') break;
    if (w.startsWith('-')) {
      if (cmd === program) return undefined; // `berth --help`, `berth -v`
      const o = findOption(cmd, w);
      if (o && takesValue(o) && !w.includes('=')) i++;
      continue;
    }
    const next = sub(cmd, w);
    if (!next) break;
    cmd = next;
    path.push(next.name());
  }
  if (cmd === program) return undefined;
  // `domains` alone runs its default subcommand, `domains list`.
  const defaultName = (cmd as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  if (cmd.commands.length > 0 && defaultName) {
    const d = sub(cmd, defaultName);
    if (!d) return undefined;
    cmd = d;
    path.push(d.name());
  }
  const name = path.join(' ');
  const operands: { word: string; at: number }[] = [];
  let dashdash: number | undefined;
  for (; i < args.length; i++) {
    const w = args[i]!;
    if (w === '--') {
      dashdash = i;
      break;
    }
    // `berth run APP CMD ARGS...`: after the first word, everything is the command's.
    if (name === 'run' && operands.length > 0) {
      for (; i < args.length; i++) operands.push({ word: args[i]!, at: i });
      break;
    }
    if (w.startsWith('-') && w !== '-') {
      const o = findOption(cmd, w);
      if (o && takesValue(o) && !w.includes('=')) i++;
      continue;
    }
    operands.push({ word: w, at: i });
  }
  return { name, cmd, operands, dashdash };
}

/**
 * The index in `args` (the words after `berth`) where the folder's app belongs, or undefined
 * when the command line names its app already or the command takes none.
 */
export function appSlot(program: Command, args: string[]): number | undefined {
  const line = parseLine(program, args);
  if (!line || EXPLICIT_ONLY.has(line.name)) return undefined;
  const { name, cmd, operands, dashdash } = line;
  const at = (k: number) => operands[k]?.at ?? dashdash ?? args.length;

  if (name === 'config') {
    const [first, second] = operands;
    if (!first) return at(0);
    if (first.word !== 'set' && first.word !== 'unset') return undefined;
    if (!second) return at(1);
    // `config set K=V`; `config unset KEY` (keys are not app names: those are lowercase, no '=').
    if (first.word === 'set' ? second.word.includes('=') : operands.length === 2 || !/^[a-z][a-z0-9/-]*$/.test(second.word)) return at(1);
    return undefined;
  }
  if (name === 'settings') {
    // `settings set port=8080`; `settings unset port memory` (an app named like a setting is
    // named with its owner there: default/port).
    const [first, second] = operands;
    if (!first) return at(0);
    if (first.word !== 'set' && first.word !== 'unset') return undefined;
    return !second || second.word.includes('=') || isSettingsKey(second.word) ? at(1) : undefined;
  }
  if (name === 'run') {
    // `berth run -- node -v`, or `berth run bash`: the command only.
    if (dashdash !== undefined && operands.length === 0) return dashdash;
    return operands.length <= 1 && dashdash === undefined ? at(0) : undefined;
  }
  const declared = cmd.registeredArguments;
  if (declared[0]?.name() !== 'app') return undefined;
  const required = declared.filter((a) => a.required).length;
  const first = operands[0];
  if (!first || operands.length < required) return at(0);
  return NOT_AN_APP[name]?.(first.word, operands.length) ? at(0) : undefined;
}

/**
 * `berth run APP CMD ARGS...` like `heroku run`: everything after the app is the command's, its
 * options too (`node -v` is not Berth's -v). Puts the `--` after the app that says so to the
 * parser, unless it is there already.
 */
export function withRunSeparator(program: Command, args: string[]): string[] {
  const line = parseLine(program, args);
  const app = line?.operands[0];
  if (line?.name !== 'run' || !app || line.dashdash !== undefined) return args;
  return args[app.at + 1] === '--' ? args : [...args.slice(0, app.at + 1), '--', ...args.slice(app.at + 1)];
}

/** `args` with `app` put where the command line left it out (unchanged when it did not). */
export function withApp(args: string[], slot: number | undefined, app: string): string[] {
  return slot === undefined ? args : [...args.slice(0, slot), app, ...args.slice(slot)];
}
