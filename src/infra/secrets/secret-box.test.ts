import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  it('round-trips values and never stores them in clear', () => {
    const box = SecretBox.ephemeral();
    const sealed = box.seal('postgres://user:hunter2@db/app');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toBe('postgres://user:hunter2@db/app');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('keeps its key in a 0600 file and reads it back', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'berth-key-')), 'secret.key');
    const sealed = SecretBox.open(file).seal('x');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(SecretBox.open(file).open(sealed)).toBe('x');
  });

  it('refuses a tampered value', () => {
    const box = SecretBox.ephemeral();
    const sealed = box.seal('value');
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => box.open(tampered)).toThrow();
  });
});
