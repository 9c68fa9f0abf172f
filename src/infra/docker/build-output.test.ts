import { describe, expect, it } from 'vitest';
import { BuildLines, JsonLines, MAX_LINE, type BuildMessage } from './build-output.js';

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
