import { describe, expect, it } from 'vitest';
import { appHref, parseRoute } from './router.js';

describe('dashboard addresses', () => {
  it('names the page an address shows', () => {
    expect(parseRoute('')).toEqual({ page: 'apps' });
    expect(parseRoute('#/')).toEqual({ page: 'apps' });
    expect(parseRoute('#/new')).toEqual({ page: 'new' });
    expect(parseRoute('#/audit')).toEqual({ page: 'audit' });
    expect(parseRoute('#/apps/default/shop')).toEqual({ page: 'app', ref: 'default/shop', tab: 'overview' });
    expect(parseRoute(appHref('team-a/shop', 'scale'))).toEqual({ page: 'app', ref: 'team-a/shop', tab: 'scale' });
  });

  it('says so when an address names no page, rather than showing another', () => {
    expect(parseRoute('#/nope')).toEqual({ page: 'missing', path: 'nope' });
    expect(parseRoute('#/apps/default')).toEqual({ page: 'missing', path: 'apps/default' });
    expect(parseRoute('#/new/extra')).toEqual({ page: 'missing', path: 'new/extra' });
  });
});
