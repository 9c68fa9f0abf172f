// Validation of the names users choose. Every name is checked here before it reaches Docker,
// Caddy, git or the file system, so they can be used in those places without escaping.
import { Invalid } from '../../errors.js';

/** Heroku's rule: lowercase letters, digits and dashes, starting with a letter, 2 to 30 long. */
const NAME_RE = /^[a-z][a-z0-9-]{0,28}[a-z0-9]$/;

function checkName(kind: 'app' | 'owner', value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw Invalid(`${kind} name is required`);
  }
  if (value.length > 30) {
    throw Invalid(`${kind} name ${JSON.stringify(truncate(value))} is ${value.length} characters long; the limit is 30`);
  }
  if (!NAME_RE.test(value) || value.includes('--')) {
    throw Invalid(
      `${kind} name ${JSON.stringify(value)} is not allowed: use 2-30 lowercase letters, digits and single dashes, starting with a letter and ending with a letter or digit`,
    );
  }
  return value;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Returns the app name if valid, else throws Invalid naming the rule. */
export const validateAppName = (value: unknown): string => checkName('app', value);
/** Returns the owner name if valid, else throws Invalid naming the rule. */
export const validateOwnerName = (value: unknown): string => checkName('owner', value);

export const DEFAULT_OWNER = 'default';
