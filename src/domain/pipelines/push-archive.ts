// What the push hook (`berth git-hook`, run by git inside a push) reads of the push: the tree of
// the pushed commit as a .tar.gz, made by the git binary (infra/git) from the quarantined objects.
import { archiveCommit } from '../../infra/git/git.js';

/** Writes the tree of the pushed `commit` of the repository at `repoDir` to `file` (.tar.gz). */
export const archivePushedCommit = (repoDir: string, commit: string, file: string): Promise<void> => archiveCommit(repoDir, commit, file);
