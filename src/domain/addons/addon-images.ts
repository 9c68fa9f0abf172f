// The add-on images (images/postgres, images/redis: Debian's packages on Berth's base image),
// built on demand the first time an add-on of the kind is created, and again only when their
// recipe (the Dockerfile, the start script, the base image) changed: the image carries the
// recipe's hash as `berth images bootstrap` does for the runtime images.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Failed, messageOf } from '../../errors.js';
import type { Deps } from '../context.js';
import { RECIPE_LABEL, recipeHash } from '../images/bootstrap.js';
import { ADDON_KINDS, type AddonType } from './addon-kinds.js';

/** Bump when the way add-on images are made changes outside their recipe folder. */
const RECIPE_VERSION = '1';

/** The images/ folder shipped beside the code: found upwards from here (src/domain/addons in tests, dist/ once bundled). */
function recipesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'images', 'postgres', 'Dockerfile'))) return join(dir, 'images');
    const up = dirname(dir);
    if (up === dir) throw Failed('the add-on image recipes (images/postgres, images/redis) are missing from this installation');
    dir = up;
  }
}

/** berth/base:bookworm -> berth/postgres:bookworm: the add-on images sit beside the base. */
export function addonImageRef(baseRef: string, image: string): string {
  const slash = baseRef.lastIndexOf('/');
  const colon = baseRef.lastIndexOf(':');
  const [repo, tag] = colon > slash ? [baseRef.slice(0, colon), baseRef.slice(colon)] : [baseRef, ''];
  return `${repo.slice(0, repo.lastIndexOf('/') + 1)}${image}${tag}`;
}

/** Builds under way, so that two add-ons created at once build the image once. */
const building = new Map<string, Promise<string>>();

/** The add-on image of the type, built now unless one of the same recipe exists; its reference. */
export function ensureAddonImage(deps: Deps, type: AddonType, log: (l: string) => void): Promise<string> {
  const ref = addonImageRef(deps.config.images.base, ADDON_KINDS[type].image);
  const pending = building.get(ref);
  if (pending) return pending;
  const p = build(deps, type, ref, log).finally(() => building.delete(ref));
  building.set(ref, p);
  return p;
}

async function build(deps: Deps, type: AddonType, ref: string, log: (l: string) => void): Promise<string> {
  const base = await deps.images.image(deps.config.images.base);
  if (!base) throw Failed(`the base image ${deps.config.images.base} is missing`, { hint: 'run berth images bootstrap on the server first' });
  const dir = join(recipesDir(), ADDON_KINDS[type].image);
  const recipe = recipeHash(type, RECIPE_VERSION, base.id, dir);
  if ((await deps.images.image(ref))?.labels[RECIPE_LABEL] === recipe) return ref;
  log(`-----> building ${ref} from Debian's packages (once; about a minute)`);
  try {
    await deps.images.build({ contextDir: dir, tag: ref, labels: { [RECIPE_LABEL]: recipe, 'berth.image': type }, buildArgs: { BASE: deps.config.images.base }, onLog: () => undefined });
  } catch (e) {
    throw Failed(`building the ${type} add-on image failed: ${messageOf(e)}`, { hint: 'the build installs Debian packages with apt: check that the base image reaches its Debian mirror' });
  }
  return ref;
}
