import { describe, expect, it } from 'vitest';
import { execWrap, startArgv } from './start-command.js';

describe('execWrap', () => {
  it.each([
    ['a simple command gets exec, so it receives SIGTERM', 'node server.js', 'exec node server.js'],
    ['a command that already execs is left alone (not `exec exec`)', 'exec node server.js', 'exec node server.js'],
    ['exec after leading blanks, or a tab', '  exec\tnode server.js', '  exec\tnode server.js'],
    ['a program whose name starts with exec is still exec\'d', 'executor --port=$PORT', 'exec executor --port=$PORT'],
    ['env assignments stay in front of exec', 'NODE_ENV=production PORT=3000 node server.js', 'NODE_ENV=production PORT=3000 exec node server.js'],
    ['quoted, escaped and $NAME values are read', `A='x y' B="p $HOME q" C=a\\ b D=$PORT app`, `A='x y' B="p $HOME q" C=a\\ b D=$PORT exec app`],
    ['assignments before an exec', 'FOO=1 exec app', 'FOO=1 exec app'],
    ['only assignments: as written', 'FOO=1', 'FOO=1'],
    ['a value it cannot read for sure ($(...)) is left as written', 'V=$(cat v) app', 'V=$(cat v) app'],
    ['a ${...} value is left as written', 'V=${X:-a b} app', 'V=${X:-a b} app'],
    ['an unclosed quote is left as written', 'V="a app', 'V="a app'],
    ['&& keeps the shell', './migrate && ./serve', './migrate && ./serve'],
    ['; keeps the shell', 'cd web; node server.js', 'cd web; node server.js'],
    ['a pipe keeps the shell', 'app | tee log', 'app | tee log'],
    ['a redirection with & keeps the shell', 'app >log 2>&1', 'app >log 2>&1'],
    ['backquotes keep the shell', 'app `cat args`', 'app `cat args`'],
    ['a newline keeps the shell', 'a\nb', 'a\nb'],
    ['a subshell keeps the shell', '(cd web && exec node x)', '(cd web && exec node x)'],
    ['a brace group keeps the shell', '{ node x; }', '{ node x; }'],
    ['negation keeps the shell', '! false', '! false'],
    ['$(...) in the arguments is fine', 'node $(cat args)', 'exec node $(cat args)'],
  ])('%s', (_name, command, shell) => expect(execWrap(command)).toBe(shell));

  it('runs through sh -c', () => expect(startArgv('python3 web.py')).toEqual(['sh', '-c', 'exec python3 web.py']));
});
