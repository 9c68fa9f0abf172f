import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverCaFile } from './context.js';

const home = mkdtempSync(join(tmpdir(), 'berth-cli-config-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
mkdirSync(join(home, 'berth'));
writeFileSync(join(home, 'berth', 'config.json'), JSON.stringify({ url: 'https://berth.example.com', token: 't', caFile: '/home/me/ca.pem' }));

describe('serverCaFile', () => {
  it("uses the login's CA file for the server it logged in to", () => {
    expect(serverCaFile({ XDG_CONFIG_HOME: home })).toBe('/home/me/ca.pem');
    expect(serverCaFile({ XDG_CONFIG_HOME: home, BERTH_URL: 'https://berth.example.com' })).toBe('/home/me/ca.pem');
  });

  it('does not lend it to another server named by BERTH_URL; BERTH_CA_FILE wins', () => {
    expect(serverCaFile({ XDG_CONFIG_HOME: home, BERTH_URL: 'https://other.example.com' })).toBeUndefined();
    expect(serverCaFile({ XDG_CONFIG_HOME: home, BERTH_URL: 'https://other.example.com', BERTH_CA_FILE: '/ca2.pem' })).toBe('/ca2.pem');
  });
});
