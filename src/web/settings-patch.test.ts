import { describe, expect, it } from 'vitest';
import { settingsForm, settingsPatch } from './settings-patch.js';

const now = { port: 8080, healthcheck: { path: '/', timeoutMs: 3000, attempts: 20, intervalMs: 1000 }, limits: { memoryMb: 512, cpus: 1 } };

describe('the settings form sends only what the user changed', () => {
  it('sends nothing when the fields are as they were', () => {
    expect(settingsPatch(now, settingsForm(now))).toEqual({});
  });

  it('sends a changed port, health check field or limit, times in milliseconds', () => {
    const f = { ...settingsForm(now), port: '9000', path: '/up', timeout: '2.5', memory: '1024' };
    expect(settingsPatch(now, f)).toEqual({ port: 9000, healthcheck: { path: '/up', timeoutMs: 2500 }, limits: { memoryMb: 1024 } });
    expect(settingsPatch(now, { ...settingsForm(now), interval: '0.25', attempts: '5', cpus: '0.5' })).toEqual({ healthcheck: { intervalMs: 250, attempts: 5 }, limits: { cpus: 0.5 } });
  });

  it('puts an emptied port, memory or CPUs back to the default', () => {
    expect(settingsPatch(now, { ...settingsForm(now), port: '', memory: '', cpus: '' })).toEqual({ port: null, limits: { memoryMb: null, cpus: null } });
    // No port yet and none typed: nothing to change.
    expect(settingsPatch({ ...now, port: null }, settingsForm({ ...now, port: null }))).toEqual({});
  });
});
