import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config.js';
import type { Deps } from '../context.js';
import { imageRepo, ownImageDeployment, ownImagesPattern } from './cleanup.js';

const own = { prefix: 'berth', instanceId: '3f9a0c1b2d4e' };

describe('image names', () => {
  const deps = { config: parseConfig({ dataDir: '/tmp/x' }), instanceId: own.instanceId } as unknown as Deps;

  it("name an app's images by this Berth's instance, so two Berths on one engine never share a name", () => {
    expect(imageRepo(deps, { owner: 'acme', name: 'shop' })).toBe('berth/acme/shop/3f9a0c1b2d4e');
    expect(imageRepo({ ...deps, instanceId: '0a0b0c0d0e0f' }, { owner: 'acme', name: 'shop' })).not.toBe(imageRepo(deps, { owner: 'acme', name: 'shop' }));
    expect(ownImagesPattern(deps)).toBe('berth/*/*/3f9a0c1b2d4e');
  });

  it.each<[string, number | null]>([
    ['berth/acme/shop/3f9a0c1b2d4e:d12', 12],
    ['berth/acme/shop/0a0b0c0d0e0f:d12', null], // another Berth's
    ['berth/acme/shop:d12', null], // an image named before instances were in the name, or by a user
    ['berth/acme/shop/3f9a0c1b2d4e:latest', null],
    ['berth/acme/shop/3f9a0c1b2d4e:d12x', null],
    ['berth-2/acme/shop/3f9a0c1b2d4e:d12', null],
    ['registry.example/berth/acme/shop/3f9a0c1b2d4e:d12', null],
    ['node:20', null],
  ])('tells %s as deployment %s of this Berth', (ref, id) => expect(ownImageDeployment(ref, own)).toBe(id));
});
