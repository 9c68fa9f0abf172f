import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCa, type TestCa } from '../testing/test-ca.js';
import { BerthError } from '../../errors.js';
import { internalCaRoot, internalCaRootPath } from './internal-ca.js';

let dir: string;
let ca: TestCa;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'berth-ca-'));
  ca = await makeTestCa(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const thrown = (f: () => unknown): BerthError => {
  try {
    f();
  } catch (e) {
    return e as BerthError;
  }
  throw new Error('did not throw');
};

describe('internalCaRoot', () => {
  it("reads the root Caddy keeps in Berth's data directory, with its fingerprint", () => {
    const dataDir = join(dir, 'data');
    mkdirSync(dirname(internalCaRootPath({ dataDir })), { recursive: true });
    copyFileSync(ca.caFile, internalCaRootPath({ dataDir }));
    expect(internalCaRootPath({ dataDir })).toBe(join(dataDir, 'caddy', 'pki', 'authorities', 'local', 'root.crt'));
    const root = internalCaRoot({ dataDir, tls: 'internal' });
    expect(root.pem).toBe(readFileSync(ca.caFile, 'utf8'));
    expect(root.subject).toBe('CN=berthtest CA');
    expect(root.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(Date.parse(root.notAfter)).toBeGreaterThan(Date.now());
  });

  it('answers not found, saying why, when Berth does not use its internal CA', () => {
    const e = thrown(() => internalCaRoot({ dataDir: dir, tls: 'acme' }));
    expect([e.code, e.message]).toEqual(['not_found', 'Berth does not use its internal CA (BERTH_TLS=acme)']);
    expect(thrown(() => internalCaRoot({ dataDir: dir, tls: 'off' })).hint).toMatch(/BERTH_TLS=internal/);
  });

  it('answers not found while Caddy has not made the root yet', () => {
    const e = thrown(() => internalCaRoot({ dataDir: join(dir, 'empty'), tls: 'internal' }));
    expect([e.code, e.message]).toEqual(['not_found', 'the internal CA has no root certificate yet']);
  });
});
