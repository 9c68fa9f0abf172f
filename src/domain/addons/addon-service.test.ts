// The add-on rules that need no real database server: attaching only within an owner, the URL
// as a config var, destroy refused while attached, and reconcile keeping add-on containers.
import { afterEach, describe, expect, it } from 'vitest';
import { LABELS } from '../context.js';
import { readConfig } from '../config-vars/config-service.js';
import { reconcile } from '../recovery/reconcile.js';
import { fakeDeps, type FakeDeps } from '../testing/deps.js';
import { ADDON_LABEL, attach, destroyAddon, detach } from './addon-service.js';
import { addonVolumeName } from './addon-kinds.js';

let f: FakeDeps;
afterEach(() => f.cleanup());

function setup() {
  f = fakeDeps();
  const { db } = f.deps;
  db.owners.ensure('alpha');
  db.owners.ensure('beta');
  const shop = db.apps.insert({ name: 'shop', owner: 'alpha' });
  db.apps.insert({ name: 'blog', owner: 'beta' });
  const addon = db.addons.insert({ name: 'shop-db', owner: 'alpha', type: 'postgres', version: '15', sealedPassword: f.deps.secrets.seal('s3cret') });
  return { shop, addon };
}

describe('add-on attachments', () => {
  it("refuses to attach an add-on to another owner's app", async () => {
    const { addon } = setup();
    await expect(attach(f.deps, addon, 'beta/blog')).rejects.toThrow(/belongs to owner alpha/);
  });

  it('sets the URL as DATABASE_URL on the app, keeps the password sealed in its row, and unsets it on detach', async () => {
    const { shop, addon } = setup();
    expect(addon.sealedPassword).not.toContain('s3cret');
    await attach(f.deps, addon, 'alpha/shop');
    expect(readConfig(f.deps, shop.id).DATABASE_URL).toBe(`postgres://shop_db:s3cret@${f.deps.config.containerPrefix}-addon-shop-db:5432/shop_db`);
    await expect(attach(f.deps, addon, 'alpha/shop')).rejects.toThrow(/attached to alpha\/shop already/);
    await detach(f.deps, addon, 'alpha/shop');
    expect(readConfig(f.deps, shop.id)).not.toHaveProperty('DATABASE_URL');
  });

  it('refuses a second add-on that would set the same variable', async () => {
    const { addon } = setup();
    const other = f.deps.db.addons.insert({ name: 'shop-db2', owner: 'alpha', type: 'postgres', version: '15', sealedPassword: f.deps.secrets.seal('x') });
    await attach(f.deps, addon, 'alpha/shop');
    await expect(attach(f.deps, other, 'alpha/shop')).rejects.toThrow(/has DATABASE_URL from add-on shop-db already/);
  });

  it('refuses to destroy an attached add-on unless forced, then removes its container, volume and row', async () => {
    const { shop, addon } = setup();
    await attach(f.deps, addon, 'alpha/shop');
    const labels = { [LABELS.instance]: f.deps.instanceId, [LABELS.owner]: 'alpha', [ADDON_LABEL]: 'shop-db' };
    const id = f.engine.addContainer({ name: 'berth-addon-shop-db', labels, ip: '10.0.0.9' });
    await f.deps.scheduler.ensureVolume(addonVolumeName(f.deps.config.containerPrefix, 'shop-db'), labels);

    await expect(destroyAddon(f.deps, addon, false)).rejects.toThrow(/attached to alpha\/shop/);
    expect(await destroyAddon(f.deps, addon, true)).toEqual({ detachedFrom: ['alpha/shop'] });
    expect(readConfig(f.deps, shop.id)).not.toHaveProperty('DATABASE_URL');
    expect(f.engine.containers.has(id)).toBe(false);
    expect(f.engine.volumes.size).toBe(0);
    expect(f.deps.db.addons.byName('shop-db')).toBeUndefined();
  });
});

describe('reconcile and add-ons', () => {
  it("keeps an add-on's container and removes one whose add-on is gone", async () => {
    setup();
    const mine = { [LABELS.instance]: f.deps.instanceId, [LABELS.owner]: 'alpha' };
    const kept = f.engine.addContainer({ name: 'berth-addon-shop-db', labels: { ...mine, [ADDON_LABEL]: 'shop-db' }, ip: '10.0.0.9' });
    const stale = f.engine.addContainer({ name: 'berth-addon-gone', labels: { ...mine, [ADDON_LABEL]: 'gone' }, ip: '10.0.0.10' });
    await reconcile(f.deps);
    expect(f.engine.containers.has(kept)).toBe(true);
    expect(f.engine.containers.has(stale)).toBe(false);
  });

  it("starts an add-on's container that was stopped", async () => {
    setup();
    const id = f.engine.addContainer({ name: 'berth-addon-shop-db', labels: { [LABELS.instance]: f.deps.instanceId, [LABELS.owner]: 'alpha', [ADDON_LABEL]: 'shop-db' }, ip: null, state: 'exited' });
    await reconcile(f.deps);
    expect((await f.deps.scheduler.inspect(id))?.state).toBe('running');
  });
});
