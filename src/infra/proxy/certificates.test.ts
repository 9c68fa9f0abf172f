import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FailureLog } from './certificates.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-certlog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const line = (o: object) => `${JSON.stringify(o)}\n`;

describe('the ACME failures in the edge log', () => {
  it('are read as they are appended, once each, with the challenge error rather than the summary', () => {
    const file = join(dir, 'caddy-edge.log');
    writeFileSync(file, line({ level: 'error', logger: 'tls.obtain', msg: 'could not get certificate from issuer', identifier: 'old.example.org', error: 'before Berth started' }));
    const log = new FailureLog(file);
    expect(log.read()).toEqual([]);
    appendFileSync(
      file,
      line({ level: 'error', ts: 1_800_000_000, logger: 'http.acme_client', msg: 'challenge failed', identifier: 'bad.example.org', error: 'Failed to connect to 10.0.0.9:80 for the http-01 challenge' }) +
        line({ level: 'info', logger: 'tls.obtain', msg: 'obtaining certificate', identifier: 'bad.example.org' }) +
        line({ level: 'error', ts: 1_800_000_001, logger: 'tls.obtain', msg: 'could not get certificate from issuer', identifier: 'bad.example.org', error: '[bad.example.org] solving challenges: …' }) +
        '{"level":"error","logger":"tls.obtain","msg":"could not get certificate from issuer","identifier":"half',
    );
    expect(log.read()).toEqual([{ host: 'bad.example.org', error: 'Failed to connect to 10.0.0.9:80 for the http-01 challenge', at: new Date(1_800_000_001_000).toISOString() }]);
    appendFileSync(file, `.example.org","error":"rateLimited: too many certificates","ts":1800000002}\n`);
    expect(log.read()).toEqual([{ host: 'half.example.org', error: 'rateLimited: too many certificates', at: new Date(1_800_000_002_000).toISOString() }]);
    expect(log.read()).toEqual([]);
  });
});
