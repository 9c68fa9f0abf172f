import { describe, expect, it } from 'vitest';
import { openDb } from '../../infra/db/database.js';
import type { Deps } from '../context.js';
import { EventFeed, liveEvent, type LiveEvent } from './event-feed.js';

describe('the live event feed', () => {
  const db = openDb(':memory:');
  const deps = { db } as unknown as Deps;
  const mine = db.apps.insert({ name: 'shop', owner: 'default' });
  const theirs = db.apps.insert({ name: 'vault', owner: 'other' });
  const add = (appId: number | null, message: string) => db.events.add({ appId, subject: appId ? `app:${appId}` : 'user:1', kind: 'test', message });
  const onlyDefault = (owner: string) => owner === 'default';

  it("shows an app's event to whoever sees its owner, and events of no app to admins only", () => {
    add(mine.id, 'mine');
    add(theirs.id, 'theirs');
    add(null, 'a user was created');
    const [m, t, u] = db.events.after(0);
    expect(liveEvent(deps, m!, onlyDefault)).toMatchObject({ app: 'default/shop', kind: 'test', message: 'mine' });
    expect(liveEvent(deps, t!, onlyDefault)).toBeNull();
    expect(liveEvent(deps, u!, onlyDefault)).toBeNull();
    expect(liveEvent(deps, u!, undefined)).toMatchObject({ app: null, message: 'a user was created' });
  });

  it('delivers events written after subscribing, as the visibility of the moment allows', async () => {
    const feed = new EventFeed(deps, 5);
    const got: LiveEvent[] = [];
    let visible: (owner: string) => boolean = onlyDefault;
    const stop = feed.subscribe(() => visible, (e) => got.push(e));
    add(mine.id, 'new of mine');
    add(theirs.id, 'new of theirs');
    await new Promise((r) => setTimeout(r, 50));
    visible = () => false;
    add(mine.id, 'after the membership ended');
    await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(got.map((e) => e.message)).toEqual(['new of mine']);
  });
});
