import { describe, expect, it } from 'vitest';
import { formationRows, freeIndexes } from './scale.js';

describe('the formation `berth scale APP` shows', () => {
  it('lists every declared process type, web first, with its quantity (zeros included: others than web are 0 until scaled) and command', () => {
    expect(formationRows({ worker: 'python3 worker.py', web: '', release: 'migrate', console: 'python3' }, { web: 2 })).toEqual([
      { type: 'web', quantity: 2, command: null },
      { type: 'console', quantity: 0, command: 'python3' },
      { type: 'worker', quantity: 0, command: 'python3 worker.py' },
    ]);
    expect(formationRows({ web: 'a', worker: 'b' }, {})).toEqual([
      { type: 'web', quantity: 1, command: 'a' },
      { type: 'worker', quantity: 0, command: 'b' },
    ]);
  });
  it('shows what was recorded for an app never deployed, without commands', () => {
    expect(formationRows(null, { web: 2 })).toEqual([{ type: 'web', quantity: 2, command: null }]);
    expect(formationRows(null, {})).toEqual([]);
  });
});

describe('instance numbers for new containers when scaling up', () => {
  it('takes the lowest numbers no current instance uses', () => expect(freeIndexes(2, new Set([1, 3]), () => false)).toEqual([2, 4]));
  it('skips a number whose container name is still held by one scaled away a moment ago (Docker would answer 409)', () =>
    expect(freeIndexes(1, new Set(), (i) => i === 1)).toEqual([2]));
  it('starts none when none is wanted', () => expect(freeIndexes(0, new Set(), () => false)).toEqual([]));
});
