// The one shape of an object key both stores accept, checked before a key reaches the file
// system or a bucket: relative, '/' separated, [A-Za-z0-9._-] segments, never '.' or '..'.
import { Invalid } from '../../errors.js';

/** The longest key accepted (S3 allows 1024 bytes, prefix included). */
const MAX_KEY = 900;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

const bad = (what: string, key: string, why: string) =>
  Invalid(`the backup ${what} ${JSON.stringify(key.slice(0, 100))} ${why}`, { hint: "use letters, digits and . _ - in '/'-separated parts, no '..'" });

/** The segments of `s`, each checked; `what` names it in the error. */
function segments(s: string, what: string): string[] {
  if (s.length > MAX_KEY) throw bad(what, s, `is longer than ${MAX_KEY} characters`);
  if (s.startsWith('/')) throw bad(what, s, 'is absolute');
  const parts = s.split('/');
  for (const p of parts) {
    if (p === '') throw bad(what, s, 'has an empty part');
    if (p === '.' || p === '..') throw bad(what, s, `has a '${p}' part`);
    if (!SEGMENT.test(p)) throw bad(what, s, 'has characters other than letters, digits and . _ - /');
  }
  return parts;
}

/** Throws Invalid unless `key` is a valid object key. */
export function checkKey(key: string): string {
  if (key === '') throw bad('key', key, 'is empty');
  segments(key, 'key');
  return key;
}

/** Throws Invalid unless `prefix` is '' or a key with or without a trailing '/'. */
export function checkPrefix(prefix: string): string {
  if (prefix !== '') segments(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'prefix');
  return prefix;
}

/** Whether `key` is a valid object key (list skips objects that are not Berth's). */
export function isKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}
