// How a start command (berth.yml `start:`, a Procfile line, a detected start) runs in a
// container: through `sh -c`, with `exec` put in front when that is safe. Pure.

/** Shell operators and keywords that make a command compound: it keeps its shell as written. */
const COMPOUND = /[;&|`\n]|^\s*[({!]/;
/**
 * Leading `NAME=value` words, each followed by blanks. A value may be quoted, escaped and use
 * `$NAME`; anything that could hide a blank inside a word (`$(...)`, `${...}`, backquotes) or
 * start a redirection or subshell ends the match there.
 */
const ASSIGNMENTS = /^\s*(?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|"(?:[^"\\$`]|\\.|\$[A-Za-z0-9_])*"|[^\s'"\\$`<>()]|\$[A-Za-z0-9_]|\\.)*\s+)*/;

/**
 * The shell text a start command runs as. A simple command gets `exec` so that it, not the
 * shell, is PID 1 and receives SIGTERM (dash does not pass signals on). Leading variable
 * assignments stay in front of `exec` (`exec PORT=1 app` would look for a program named
 * `PORT=1`); a command that already execs, or is compound (`;`, `&&`, `|`, a subshell ...),
 * or whose assignments it cannot read for sure, is left as written.
 */
export function execWrap(command: string): string {
  if (COMPOUND.test(command)) return command;
  const lead = ASSIGNMENTS.exec(command)![0];
  const rest = command.slice(lead.length);
  // Nothing after the assignments, an assignment it could not read (`$(...)`, a quote left
  // open), or already `exec`: as written.
  if (rest.trim() === '' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest) || /^exec(\s|$)/.test(rest)) return command;
  return `${lead}exec ${rest}`;
}

/** The container command (argv) for a start command: `sh -c` with execWrap's text. */
export const startArgv = (command: string): string[] => ['sh', '-c', execWrap(command)];
