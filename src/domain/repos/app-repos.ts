// Each app's git remote on the Berth server: a bare repository under <data>/git/<owner>/<app>.git
// whose pre-receive hook runs `berth git-hook`, which deploys the pushed commit of the app's
// deploy branch and streams the deploy log back to the pusher (a failed deploy rejects the push).
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { AppRow } from '../../infra/db/rows.js';
import { ensureBareRepo } from '../../infra/git/git.js';
import type { Deps } from '../context.js';

export const gitRoot = (deps: Deps): string => join(deps.config.dataDir, 'git');
/** Where the app's bare repository lives. */
export const repoDir = (deps: Deps, app: Pick<AppRow, 'owner' | 'name'>): string => join(gitRoot(deps), app.owner, `${app.name}.git`);
export const repoPath = (app: Pick<AppRow, 'owner' | 'name'>): string => `/${app.owner}/${app.name}.git`;

/** Single-quotes a word for sh. */
const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

/** Makes the app's bare repository exist with a current hook (running `berthCommand git-hook`); returns its directory. */
export async function ensureAppRepo(deps: Deps, app: AppRow, berthCommand: string[]): Promise<string> {
  const dir = repoDir(deps, app);
  // The hook is rewritten on every push: it follows Berth when it is moved or upgraded. The
  // paths are Berth's own, quoted for sh all the same.
  const hook = `#!/bin/sh\n# Written by Berth: deploys pushes to the app's deploy branch.\nexec ${berthCommand.map(quote).join(' ')} git-hook\n`;
  await ensureBareRepo(dir, hook);
  return dir;
}

/** Removes the app's repository (with the app). */
export async function removeAppRepo(deps: Deps, app: Pick<AppRow, 'owner' | 'name'>): Promise<void> {
  await rm(repoDir(deps, app), { recursive: true, force: true });
}

/** The URL to add as a git remote, at the address the caller reached Berth by. */
export const remoteUrl = (app: Pick<AppRow, 'owner' | 'name'>, publicUrl: string): string => `${publicUrl.replace(/\/$/, '')}/git${repoPath(app)}`;

/** The API as this server's own processes (the push hook) reach it. */
export const selfUrl = (deps: Deps): string => `http://${deps.config.listenHost === '0.0.0.0' ? '127.0.0.1' : deps.config.listenHost}:${deps.config.listenPort}`;
