// The pids limit of builds. The classic builder's API has memory and CPU limits for a build's
// step containers but no pids limit, and the nproc ulimit does not bind root (most Dockerfiles
// run as root). It does pass `cgroupparent` to every step's container: so each build gets a
// parent cgroup of its own whose pids.max bounds all processes of its steps together — a fork
// bomb in a RUN gets "Cannot fork", and the host keeps its process table.
//
// Only for Docker's cgroupfs driver (with the systemd driver a parent must be a systemd slice);
// on cgroup v1 the parent lives in every controller Docker uses, on v2 in the one tree.
import { constants } from 'node:fs';
import { access, mkdir, readFile, readdir, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** The folder under each cgroup hierarchy that holds builds' parent cgroups. */
const PARENT = 'berth-builds';

export interface BuildCgroupsOptions {
  /** Where cgroup filesystems are mounted. */
  root?: string;
  /** Names start with it, so one Berth (or test run) sweeps only its own. */
  prefix: string;
}

/** What the engine says of its cgroups (docker info). */
export interface EngineCgroups {
  driver: string;
  version: string;
}

export class BuildCgroups {
  private readonly root: string;
  private readonly prefix: string;

  constructor(opts: BuildCgroupsOptions) {
    this.root = opts.root ?? '/sys/fs/cgroup';
    this.prefix = opts.prefix;
  }

  /**
   * Why builds cannot get a pids limit on this host, or undefined when they can. Asked once;
   * a reason is said once as a warning, and builds then run with their other limits only.
   */
  async unsupported(engine: EngineCgroups): Promise<string | undefined> {
    if (engine.driver !== 'cgroupfs') return `Docker's cgroup driver is ${engine.driver || 'unknown'}, not cgroupfs`;
    const dir = engine.version === '2' ? this.root : join(this.root, 'pids');
    try {
      await stat(join(dir, 'cgroup.procs'));
    } catch {
      return `no pids cgroup controller at ${dir}`;
    }
    try {
      await access(dir, constants.W_OK);
      await this.enableV2(engine.version);
    } catch (e) {
      return `cannot make a cgroup under ${dir}: ${(e as Error).message}`;
    }
    return undefined;
  }

  /**
   * Makes a build's parent cgroup with its pids limit; returns the `cgroupparent` to pass to
   * the builder (a path from the hierarchy's root).
   */
  async create(pids: number, version: string): Promise<string> {
    const name = `${this.prefix}-${randomBytes(6).toString('hex')}`;
    const dir = join(this.pidsRoot(version), PARENT, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pids.max'), String(pids));
    return `/${PARENT}/${name}`;
  }

  /**
   * Removes a build's parent cgroup from every hierarchy (the engine made it in each controller
   * it uses). The step containers' own cgroups go with the containers; until they are gone the
   * parent is busy, so this waits a little for them.
   */
  async remove(parent: string, version: string): Promise<void> {
    const dirs = await this.everywhere(parent, version);
    for (const dir of dirs) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }

  /** Removes this prefix's parents left by builds a crash interrupted (only empty ones go). */
  async sweep(version: string): Promise<number> {
    let removed = 0;
    for (const base of await this.hierarchies(version)) {
      let names: string[];
      try {
        names = await readdir(join(base, PARENT));
      } catch {
        continue;
      }
      for (const n of names.filter((n) => n.startsWith(`${this.prefix}-`))) {
        try {
          await rmdir(join(base, PARENT, n));
          removed++;
        } catch {
          // Still in use (a build of another server with this prefix), or not a folder.
        }
      }
    }
    return removed;
  }

  private pidsRoot(version: string): string {
    return version === '2' ? this.root : join(this.root, 'pids');
  }

  /** On v2 a child gets a controller only when its parent hands it down. */
  private async enableV2(version: string): Promise<void> {
    if (version !== '2') return;
    const parent = join(this.root, PARENT);
    await mkdir(parent, { recursive: true });
    for (const dir of [this.root, parent]) {
      const enabled = (await readFile(join(dir, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
      if (!enabled.includes('pids')) await writeFile(join(dir, 'cgroup.subtree_control'), '+pids');
    }
  }

  private async hierarchies(version: string): Promise<string[]> {
    if (version === '2') return [this.root];
    const names = await readdir(this.root).catch(() => [] as string[]);
    return names.map((n) => join(this.root, n));
  }

  private async everywhere(parent: string, version: string): Promise<string[]> {
    const rel = parent.replace(/^\/+/, '');
    const found: string[] = [];
    for (const base of await this.hierarchies(version)) {
      const dir = join(base, rel);
      if (await stat(dir).then((s) => s.isDirectory(), () => false)) found.push(dir);
    }
    return found;
  }
}
