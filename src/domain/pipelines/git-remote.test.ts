import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import { openDb } from '../../infra/db/database.js';
import type { Deps } from '../context.js';
import { describeGitChange, gitSettings, isPush, setGitSettings } from './git-remote.js';

describe('describeGitChange', () => {
  const app = { deployBranch: 'main', forkConfig: false };

  it.each([
    [{ branch: 'release' }, 'ann set deploy branch main -> release'],
    [{ forkConfig: true }, "ann set forks' previews get the app's config"],
    [{ branch: 'release', forkConfig: true }, "ann set deploy branch main -> release; forks' previews get the app's config"],
  ])('says what %j changes', (change, message) => {
    expect(describeGitChange(app, change, 'ann')).toBe(message);
  });

  it('is null for a change that changes nothing', () => {
    expect(describeGitChange(app, { branch: 'main', forkConfig: false }, 'ann')).toBeNull();
    expect(describeGitChange(app, {}, 'ann')).toBeNull();
  });
});

describe('isPush', () => {
  it.each([
    ['/info/refs', 'service=git-receive-pack', true],
    ['/git-receive-pack', '', true],
    ['/info/refs', 'service=git-upload-pack', false],
    ['/git-upload-pack', '', false],
  ] as const)('%s?%s is a push: %s', (service, query, push) => {
    expect(isPush({ service, query })).toBe(push);
  });
});

describe('git remote settings', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-git-remote-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const db = openDb(':memory:');
  const deps = { config: parseConfig({ dataDir }), db } as unknown as Deps;
  const app = db.apps.insert({ name: 'shop', owner: 'default' });
  const events = () => db.events.listForApp(app.id).map((e) => `${e.kind}: ${e.message}`);

  it('sets the deploy branch and writes an event row saying who changed what', () => {
    const after = setGitSettings(deps, app, { branch: 'release' }, { name: 'ann', admin: false });
    expect(after.deployBranch).toBe('release');
    expect(events()).toEqual(['app.git: ann set deploy branch main -> release']);
  });

  it('writes no event for a change that changes nothing', () => {
    setGitSettings(deps, db.apps.get(app.id)!, { branch: 'release' }, { name: 'ann', admin: false });
    expect(events()).toHaveLength(1);
  });

  it('refuses a branch that is not a valid ref, and changes nothing', () => {
    expect(() => setGitSettings(deps, db.apps.get(app.id)!, { branch: '--upload-pack=x' }, { name: 'ann', admin: true })).toThrow('is not a valid branch');
    expect(db.apps.get(app.id)!.deployBranch).toBe('release');
  });

  it("lets only admins decide whether forks' previews get the app's config", () => {
    expect(() => setGitSettings(deps, db.apps.get(app.id)!, { forkConfig: true }, { name: 'ann', admin: false })).toThrow('only admins');
    expect(setGitSettings(deps, db.apps.get(app.id)!, { forkConfig: true }, { name: 'root', admin: true }).forkConfig).toBe(true);
  });

  it('shows the remote and hook URLs at the address the caller reached Berth by', () => {
    const v = gitSettings(deps, db.apps.get(app.id)!, 'https://berth.example/');
    expect(v).toMatchObject({ remote: 'https://berth.example/git/default/shop.git', branch: 'release', next: null, forkConfig: true, hasWebhookSecret: false });
    expect(v.webhooks.github).toBe('https://berth.example/hooks/github/default/shop');
  });
});
