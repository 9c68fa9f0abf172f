import { describe, expect, it } from 'vitest';
import { insertByTime, ofProcess, type LogLine } from './logs-tab.js';

const l = (time: string, process: string, text: string): LogLine => ({ time, process, line: `${time} ${process} ${text}` });

describe('the logs tab', () => {
  it('shows lines oldest first whatever order the containers send them in', () => {
    const arrived = [l('2026-01-01T00:00:02Z', 'web.1', 'b'), l('2026-01-01T00:00:01Z', 'web.2', 'a'), l('2026-01-01T00:00:03Z', 'web.2', 'c')];
    expect(arrived.reduce(insertByTime, [] as LogLine[]).map((x) => x.line.split(' ').at(-1))).toEqual(['a', 'b', 'c']);
  });

  it('keeps the order lines came in when they carry no time', () => {
    expect([{ line: 'x' }, { line: 'y' }].reduce(insertByTime, [] as LogLine[]).map((x) => x.line)).toEqual(['x', 'y']);
  });

  it('shows one process type', () => {
    const lines = [l('t1', 'web.1', 'a'), l('t2', 'worker.1', 'b'), l('t3', 'web.2', 'c')];
    expect(ofProcess(lines, 'web').map((x) => x.process)).toEqual(['web.1', 'web.2']);
    expect(ofProcess(lines, '')).toHaveLength(3);
  });
});
