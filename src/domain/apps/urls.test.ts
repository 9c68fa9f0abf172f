import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateAppName } from './names.js';
import { appHosts, appUrls } from './urls.js';

/** Names as users may choose them: 2-30 lowercase letters, digits and single dashes, letter first. */
const name = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), { minLength: 1, maxLength: 29 }))
  .map(([first, rest]) => `${first}${rest.join('')}`)
  .filter((n) => {
    try {
      validateAppName(n);
      return true;
    } catch {
      return false;
    }
  });
// Dense in dashes and short names, where collisions would hide (foo-bar vs foo of bar).
const dashy = fc.array(fc.constantFrom('a', 'b', 'ab', 'x1'), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('-'));
const owner = fc.oneof(fc.constant('default'), name, dashy.filter((n) => n.length >= 2));
const app = fc.record({ name: fc.oneof(name, dashy.filter((n) => n.length >= 2)), owner });

describe('app hosts', () => {
  it('gives no two (owner, app) pairs the same host', () => {
    fc.assert(
      fc.property(app, app, (a, b) => {
        fc.pre(a.name !== b.name || a.owner !== b.owner);
        const hostsA = appHosts({ ...a, domains: [] }, 'example.com');
        const hostsB = appHosts({ ...b, domains: [] }, 'example.com');
        return hostsA.every((h) => !hostsB.includes(h));
      }),
      { numRuns: 20_000 },
    );
  });

  it("keeps a tenant's app apart from the default owner's app whose name joins the two", () => {
    const tenant = appHosts({ name: 'foo', owner: 'bar', domains: [] }, 'localhost');
    const other = appHosts({ name: 'foo-bar', owner: 'default', domains: [] }, 'localhost');
    expect(tenant).toEqual(['foo--bar.localhost']);
    expect(other).toEqual(['foo-bar.localhost', 'foo-bar--default.localhost']);
  });

  it('fits every generated host label in the 63 characters DNS allows', () => {
    fc.assert(fc.property(app, (a) => appHosts({ ...a, domains: [] }, 'example.com').every((h) => h.split('.')[0]!.length <= 63)));
  });

  it('lists the shared-origin path URL only where path routes are on', () => {
    const a = { name: 'shop', owner: 'acme', domains: [] };
    expect(appUrls(a, { domain: 'localhost', httpPort: 80, pathRoutes: true })).toEqual(['http://shop--acme.localhost', 'http://localhost/acme/shop']);
    expect(appUrls(a, { domain: 'example.com', httpPort: 80, pathRoutes: false })).toEqual(['http://shop--acme.example.com']);
  });
});
