// Named volumes (berth.yml `volumes: {data: /data}`): which names and mount paths an app may
// ask for, and the Docker volume each one is. Pure: no I/O (processes/app-volumes.ts does that).

/** At most this many volumes per app. */
export const MAX_VOLUMES = 10;

/** Volume names follow the app-name rule: 2-30 lowercase letters, digits and single dashes. */
const VOLUME_NAME_RE = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;
/** An absolute path of plain segments: no `.`/`..`, no doubled or trailing slash, nothing a mount option could read. */
const PATH_RE = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){1,16}$/;

/**
 * Paths a volume may not hide: the system's own directories (a volume over /etc or /usr leaves
 * the container without its programs; over /proc, /sys or /dev it would shadow what the
 * runtime mounts there) and /app, where Berth's generated images keep the code.
 */
const REFUSED_EXACT = ['/app', '/bin', '/boot', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/sbin', '/usr', '/run', '/var'];
const REFUSED_TREES = ['/proc', '/sys', '/dev'];

/** Every problem with a manifest's `volumes` mapping, each naming the key (empty: fine). */
export function volumeProblems(volumes: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(volumes);
  if (entries.length > MAX_VOLUMES) problems.push(`volumes: at most ${MAX_VOLUMES} volumes per app (${entries.length} given)`);
  const seen = new Map<string, string>();
  for (const [name, path] of entries) {
    if (!VOLUME_NAME_RE.test(name) || name.includes('--')) {
      problems.push(`volumes.${name}: the name must be 2-30 lowercase letters, digits and single dashes, starting with a letter and ending with a letter or digit`);
    }
    // The manifest's schema already says a path must be a string.
    if (typeof path !== 'string') continue;
    if (path === '/') problems.push(`volumes.${name}: cannot be mounted at / (the whole file system)`);
    else if (!PATH_RE.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
      problems.push(`volumes.${name}: ${JSON.stringify(path)} must be an absolute path of plain segments (letters, digits, . _ -), e.g. /data; no .., no trailing /`);
    } else if (REFUSED_EXACT.includes(path) || REFUSED_TREES.some((t) => path === t || path.startsWith(`${t}/`))) {
      problems.push(`volumes.${name}: ${path} is a system directory (or the app's code); mount it at a path of its own, e.g. /data`);
    } else if (seen.has(path)) {
      problems.push(`volumes.${name}: ${path} is volume ${seen.get(path)}'s path already`);
    }
    seen.set(path, name);
  }
  return problems;
}

/**
 * The Docker volume of an app's volume. Owner and app are part of it, so one owner's app can
 * never mount another's; dots separate them because no name may contain one (owner `a-b` with
 * app `c` and owner `a` with app `b-c` would both be `a-b-c` with dashes).
 */
export function volumeName(containerPrefix: string, owner: string, app: string, name: string): string {
  return `${containerPrefix}-${owner}.${app}.${name}`;
}

/** The label naming the app's own name for a volume (besides Berth's instance, owner and app labels). */
export const VOLUME_LABEL = 'berth.volume';
