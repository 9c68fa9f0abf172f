import { describe, expect, it } from 'vitest';
import { isSettingsKey, parseSettingsSet, parseSettingsUnset, settingsLines } from './settings-args.js';

describe('berth settings set', () => {
  it.each([
    ['port=8080', { port: 8080 }],
    ['memory=512', { limits: { memoryMb: 512 } }],
    ['memory=512MB', { limits: { memoryMb: 512 } }],
    ['memory=1G', { limits: { memoryMb: 1024 } }],
    ['memory=0.5G', { limits: { memoryMb: 512 } }],
    ['cpus=0.5', { limits: { cpus: 0.5 } }],
    ['health.path=/up', { healthcheck: { path: '/up' } }],
    ['health.path=/ready?full=1', { healthcheck: { path: '/ready?full=1' } }],
    ['health.timeout=5', { healthcheck: { timeoutMs: 5000 } }],
    ['health.timeout=2.5s', { healthcheck: { timeoutMs: 2500 } }],
    ['health.interval=250ms', { healthcheck: { intervalMs: 250 } }],
    ['health.attempts=10', { healthcheck: { attempts: 10 } }],
  ])('takes %s', (word, patch) => {
    expect(parseSettingsSet([word])).toEqual(patch);
  });

  it('puts several settings in one patch, health check fields together', () => {
    expect(parseSettingsSet(['port=8080', 'memory=512', 'cpus=0.5', 'health.path=/up', 'health.timeout=5', 'health.attempts=10', 'health.interval=1'])).toEqual({
      port: 8080,
      limits: { memoryMb: 512, cpus: 0.5 },
      healthcheck: { path: '/up', timeoutMs: 5000, attempts: 10, intervalMs: 1000 },
    });
  });

  it.each([
    ['port=abc', 'port must be a whole number, got "abc"'],
    ['port=80.5', 'port must be a whole number, got "80.5"'],
    ['memory=lots', 'memory must be a number of megabytes (512, 1G), got "lots"'],
    ['memory=1.5M', 'memory must be a whole number of megabytes, got "1.5M"'],
    ['cpus=-1', 'cpus must be a number, got "-1"'],
    ['health.path=up', 'health.path must be a path starting with /, got "up"'],
    ['health.timeout=soon', 'health.timeout must be a number of seconds, got "soon"'],
    ['health.attempts=1.5', 'health.attempts must be a whole number, got "1.5"'],
    ['colour=blue', 'unknown setting "colour"'],
    ['port', 'expected SETTING=VALUE, got "port"'],
  ])('refuses %s in words', (word, message) => {
    expect(() => parseSettingsSet([word])).toThrow(message);
  });

  it('refuses a setting given twice and an empty list', () => {
    expect(() => parseSettingsSet(['port=1', 'port=2'])).toThrow('port is given twice');
    expect(() => parseSettingsSet([])).toThrow('name what to set');
  });
});

describe('berth settings unset', () => {
  it('puts settings back to their defaults with null', () => {
    expect(parseSettingsUnset(['port', 'memory', 'cpus', 'health'])).toEqual({ port: null, limits: { memoryMb: null, cpus: null }, healthcheck: null });
  });

  it('says the health check is unset as a whole, and refuses unknown names', () => {
    expect(() => parseSettingsUnset(['health.path'])).toThrow('the health check goes back to its defaults as a whole: unset health, not health.path');
    expect(() => parseSettingsUnset(['colour'])).toThrow('unknown setting "colour"');
    expect(() => parseSettingsUnset([])).toThrow('name what to unset');
  });

  it('knows setting names apart from app names', () => {
    expect(['port', 'memory', 'cpus', 'health', 'health.path'].every(isSettingsKey)).toBe(true);
    expect(isSettingsKey('shop')).toBe(false);
  });
});

describe('berth settings APP', () => {
  it('prints each setting in the words `set` takes, and whether the app set it', () => {
    const lines = settingsLines({
      port: 8080,
      healthcheck: { path: '/up', timeoutMs: 5000, attempts: 10, intervalMs: 500, waitMs: 0 },
      limits: { memoryMb: 512, cpus: 0.5 },
      own: { port: true, healthcheck: ['path'], memoryMb: false, cpus: true },
    });
    expect(lines).toEqual([
      ['port', '8080', 'set'],
      ['health.path', '/up', 'set'],
      ['health.timeout', '5s', 'default'],
      ['health.attempts', '10', 'default'],
      ['health.interval', '0.5s', 'default'],
      ['memory', '512MB', 'default'],
      ['cpus', '0.5', 'set'],
    ]);
    // What it prints, set again, changes nothing.
    expect(parseSettingsSet(lines.filter(([k]) => k !== 'health.path').map(([k, v]) => `${k}=${v}`))).toEqual({ port: 8080, healthcheck: { timeoutMs: 5000, attempts: 10, intervalMs: 500 }, limits: { memoryMb: 512, cpus: 0.5 } });
  });
});
