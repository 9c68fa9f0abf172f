import { describe, expect, it } from 'vitest';
import { planInstances, processCmd } from './process-containers.js';

describe('planInstances', () => {
  it('runs one of each declared type unless the formation says otherwise, web first, never release', () => {
    expect(planInstances({ worker: 'w', web: 'x', release: 'm' }, { web: 2 })).toEqual([
      { type: 'web', index: 1 },
      { type: 'web', index: 2 },
      { type: 'worker', index: 1 },
    ]);
    expect(planInstances({ web: '', worker: 'w' }, { worker: 0 })).toEqual([{ type: 'web', index: 1 }]);
  });
});

describe('processCmd', () => {
  it("keeps the image's CMD for an empty command", () => expect(processCmd('')).toBeUndefined());
  it('execs a simple command so it receives SIGTERM', () => expect(processCmd('python3 web.py')).toEqual(['sh', '-c', 'exec python3 web.py']));
  it('keeps the shell for compound commands', () => expect(processCmd('./migrate && ./serve')).toEqual(['sh', '-c', './migrate && ./serve']));
});
