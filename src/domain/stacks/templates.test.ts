import { describe, expect, it } from 'vitest';
import { loadTemplates } from './templates.js';

describe('generated Dockerfiles', () => {
  // useradd --system with a uid over SYS_UID_MAX printed a red warning in every build.
  it.each(['node', 'python', 'go', 'static'] as const)('create the app user without a useradd warning (%s)', (stack) => {
    const line = loadTemplates()[stack].split('\n').find((l) => l.includes('useradd'));
    expect(line).toBeDefined();
    expect(line).not.toMatch(/--system|-r\b/);
    expect(line).toContain('--no-log-init');
  });
});
