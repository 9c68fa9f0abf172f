import { describe, expect, it } from 'vitest';
import { BuildLines, BuildLogCleaner, JsonLines, MAX_LINE, stripEscapes, type BuildMessage } from './build-output.js';

describe('JsonLines', () => {
  it('parses messages split across chunks', () => {
    const seen: BuildMessage[] = [];
    const j = new JsonLines((m) => seen.push(m));
    j.push('{"stream":"a\\n"}\n{"str');
    j.push('eam":"b"}\n');
    expect(seen).toEqual([{ stream: 'a\n' }, { stream: 'b' }]);
  });

  it('skips a message longer than its limit without holding it', () => {
    const seen: BuildMessage[] = [];
    const j = new JsonLines((m) => seen.push(m), 100);
    j.push(`{"stream":"${'x'.repeat(80)}`);
    j.push('x'.repeat(80));
    j.push('"}\n{"stream":"ok"}\n');
    expect(seen).toEqual([{ stream: 'ok' }]);
  });
});

describe('BuildLines', () => {
  it('joins pieces into lines and cuts an endless one', () => {
    const seen: string[] = [];
    const b = new BuildLines((l) => seen.push(l));
    b.push('hel');
    b.push('lo\nwor');
    for (let i = 0; i < 100; i++) b.push('y'.repeat(1000));
    b.push('\nend');
    b.end();
    expect(seen[0]).toBe('hello');
    expect(seen[1]!.length).toBeLessThan(MAX_LINE + 100);
    expect(seen[1]).toMatch(/^wory+ \[line cut at \d+ characters\]$/);
    expect(seen[2]).toBe('end');
  });

  it('notes the step containers and images the builder names', () => {
    const b = new BuildLines(() => undefined);
    b.push('Step 2/3 : RUN true\n ---> Running in 0123456789ab\nRemoving intermediate container 0123456789ab\n ---> ba9876543210\n');
    expect(b.containers).toEqual(['0123456789ab']);
    expect(b.images).toEqual(['ba9876543210']);
  });
});

describe('BuildLogCleaner', () => {
  const clean = (raw: string[]): string[] => {
    const seen: string[] = [];
    const c = new BuildLogCleaner((l) => seen.push(l));
    for (const l of raw) c.push(l);
    c.end();
    return seen;
  };

  it('strips the escape codes the builder wraps a step’s stderr in, and other terminal control', () => {
    expect(stripEscapes('\x1b[91mnpm warn deprecated x\x1b[0m')).toBe('npm warn deprecated x');
    expect(stripEscapes('a\x1b]52;c;ZXZpbA==\x07b\tc\x00')).toBe('ab\tc');
  });

  it('prints a cached step as one short line, without the builder’s bookkeeping', () => {
    expect(clean(['Step 3/7 : RUN npm ci', ' ---> Using cache', ' ---> 225e8cd8e4fb', 'Step 4/7 : COPY . .', ' ---> Using cache', ' ---> 82b2375a7e45'])).toEqual([
      'Step 3/7 : RUN npm ci (cached)',
      'Step 4/7 : COPY . . (cached)',
    ]);
  });

  it('keeps a step that runs with its output, and drops blank lines and escape codes', () => {
    const raw = [
      'Step 1/3 : FROM berth/node:bookworm',
      ' ---> 60c8d7dd2b26',
      'Step 2/3 : RUN npm ci',
      '',
      ' ---> Running in d61972890c70',
      '\x1b[91mnpm warn something',
      '\x1b[0m',
      '\x1b[0madded 3 packages',
      '   ',
      'Removing intermediate container d61972890c70',
      ' ---> 9ee81fc9cad3',
      'Successfully built 9ee81fc9cad3',
    ];
    expect(clean(raw)).toEqual([
      'Step 1/3 : FROM berth/node:bookworm',
      'Step 2/3 : RUN npm ci',
      ' ---> Running in d61972890c70',
      'npm warn something',
      'added 3 packages',
      'Removing intermediate container d61972890c70',
      ' ---> 9ee81fc9cad3',
      'Successfully built 9ee81fc9cad3',
    ]);
  });

  it('prints a step line still held when the build ends', () => {
    expect(clean(['Step 5/5 : RUN exit 1'])).toEqual(['Step 5/5 : RUN exit 1']);
  });
});
