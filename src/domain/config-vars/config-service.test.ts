import { describe, expect, it } from 'vitest';
import { applyChange, describeChange, presentConfig } from './config-service.js';

describe('applyChange', () => {
  it('sets and unsets keys', () => {
    expect(applyChange({ A: '1', B: '2' }, { set: { C: '3', A: 'x' }, unset: ['B'] })).toEqual({ A: 'x', C: '3' });
  });

  it('names every bad key at once, and refuses PORT', () => {
    expect(() => applyChange({}, { set: { '1BAD': 'x', PORT: '80', 'A-B': 'y' } })).toThrow(/"1BAD" is not a valid variable name.*PORT is set by Berth.*"A-B"/);
  });

  it('refuses an empty change', () => {
    expect(() => applyChange({ A: '1' }, {})).toThrow(/nothing to change/);
  });

  it('refuses oversized values', () => {
    expect(() => applyChange({}, { set: { BIG: 'x'.repeat(40_000) } })).toThrow(/limit is 32768/);
  });
});

describe('presenting config', () => {
  it('masks values unless asked', () => {
    expect(presentConfig({ SECRET: 'hunter2' }, false)).toEqual({ SECRET: '********' });
    expect(presentConfig({ SECRET: 'hunter2' }, true)).toEqual({ SECRET: 'hunter2' });
  });

  it('describes a change by its keys only', () => {
    expect(describeChange({ set: { DB_URL: 'postgres://secret' }, unset: ['OLD'] })).toBe('config set DB_URL; unset OLD');
  });
});
