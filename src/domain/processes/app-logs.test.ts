import { describe, expect, it } from 'vitest';
import { Invalid } from '../../errors.js';
import { formatEntry, lastEntries, normalTime, parseTail, processNameOf, splitTimestamp, type LogEntry } from './app-logs.js';

const entry = (time: string, process = 'web.1', text = 'x'): LogEntry => ({ time: normalTime(time), process, stream: 'stdout', text });

describe('the lines of `berth logs`', () => {
  it('carry a timestamp and the process name, like heroku logs', () => {
    expect(formatEntry(entry('2026-11-23T15:04:05.123Z', 'web.1', 'listening'))).toBe('2026-11-23T15:04:05Z web.1  listening');
    expect(formatEntry(entry('2026-11-23T15:04:05Z', 'worker.2', 'tick'))).toBe('2026-11-23T15:04:05Z worker.2 tick');
  });
  it("split Docker's timestamp prefix off each line, keeping the text as written", () => {
    expect(splitTimestamp('2026-11-23T15:04:05.1234Z  indented', 'x')).toEqual({ time: '2026-11-23T15:04:05.123400000Z', text: ' indented' });
    expect(splitTimestamp('no stamp', '2026-11-23T15:04:05.5Z')).toEqual({ time: '2026-11-23T15:04:05.500000000Z', text: 'no stamp' });
  });
  it('compare times even where Docker trims trailing zeros (05.1 is before 05.12)', () => {
    expect(normalTime('2026-11-23T15:04:05.1Z') < normalTime('2026-11-23T15:04:05.12Z')).toBe(true);
  });
  it('mix web and worker output in time order and keep the last `tail` lines', () => {
    const got = lastEntries([entry('2026-11-23T15:00:03Z', 'web.1', 'c'), entry('2026-11-23T15:00:01Z', 'worker.1', 'a'), entry('2026-11-23T15:00:02Z', 'web.1', 'b')], 2);
    expect(got.map((e) => e.text)).toEqual(['b', 'c']);
    expect(lastEntries([entry('2026-11-23T15:00:03Z')], 0)).toEqual([]);
  });
  it('name the process from the container: web.2, worker.1', () => {
    expect(processNameOf({ name: 'berth-default-shop-d4-web-2', labels: { 'berth.process': 'web' } })).toBe('web.2');
    expect(processNameOf({ name: 'berth-default-shop-d4-worker-1', labels: { 'berth.process': 'worker' } })).toBe('worker.1');
  });
});

describe('the number of lines asked for', () => {
  it('defaults to 100 and takes whole numbers up to 10000', () => {
    expect(parseTail(undefined)).toBe(100);
    expect(parseTail('0')).toBe(0);
    expect(parseTail('250')).toBe(250);
  });
  it.each(['abc', '-1', '1.5', '10001'])('refuses %s in words, not a schema message', (raw) => {
    expect(() => parseTail(raw)).toThrow(Invalid(`the number of lines must be a whole number from 0 to 10000, got "${raw}"`).message);
  });
});
