// Dashboard sessions: a login (user name and password, or an API token) becomes a random
// session id in an HttpOnly cookie, stored only as a hash, with a CSRF token the page sends
// back on every change. Sessions expire, and end at logout or when the password changes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Forbidden, Unauthorized } from '../../errors.js';
import type { TokenRow, UserRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';
import { verifyPassword } from './passwords.js';
import { authenticate, hashToken, type Principal } from './tokens.js';

export const SESSION_COOKIE = 'berth_session';
export const SESSION_TTL_MS = 7 * 86_400_000;

export type Credentials = { user: string; password: string } | { token: string };

export interface Session {
  /** The cookie value: shown to the browser only. */
  id: string;
  csrf: string;
  user: UserRow;
  expiresAt: string;
}

/** Checks credentials and opens a session; every failure is the same Unauthorized. */
export async function login(deps: Deps, c: Credentials): Promise<Session> {
  let user: UserRow | undefined;
  let token: TokenRow | undefined;
  if ('token' in c) {
    const p = authenticate(deps, c.token);
    user = p.user;
    token = deps.db.users.token(p.tokenId);
  } else {
    const found = deps.db.users.byName(c.user);
    const ok = await verifyPassword(c.password, found ? deps.db.users.passwordHash(found.id) : null);
    if (ok) user = found;
  }
  if (!user) throw Unauthorized('wrong user name or password');
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  // A session opened with a token lives no longer than the token.
  const until = Math.min(Date.now() + SESSION_TTL_MS, token?.expiresAt ? Date.parse(token.expiresAt) : Infinity);
  const expiresAt = new Date(until).toISOString();
  const u = user;
  deps.db.tx(() => {
    deps.db.sessions.insert({ userId: u.id, hash: hashToken(id), csrf, expiresAt, tokenId: token?.id ?? null });
    deps.db.events.add({ appId: null, subject: `user:${u.id}`, kind: 'session.created', message: `${u.name} logged in to the dashboard` });
  });
  return { id, csrf, user, expiresAt };
}

/** The principal of a session cookie, or Unauthorized. Session principals carry tokenId 0. */
export function sessionPrincipal(deps: Deps, cookie: string): Principal & { sessionId: number; csrf: string } {
  const row = deps.db.sessions.byHash(hashToken(cookie));
  if (!row || Date.parse(row.expiresAt) <= Date.now()) throw Unauthorized('your session has ended; log in again');
  const user = deps.db.users.get(row.userId);
  if (!user) throw Unauthorized('your session has ended; log in again');
  // Bound to its token: revoking the token (or its expiry) ends the session too.
  if (row.tokenId !== null) {
    const t = deps.db.users.token(row.tokenId);
    if (!t || t.revokedAt || (t.expiresAt && Date.parse(t.expiresAt) <= Date.now())) throw Unauthorized('your session has ended (its token was revoked or expired); log in again');
  }
  return { user, tokenId: 0, sessionId: row.id, csrf: row.csrf };
}

/** Refuses a change made with a session cookie unless it carries the session's CSRF token. */
export function checkCsrf(expected: string, presented: string | undefined): void {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented ?? '');
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw Forbidden('missing or wrong CSRF token (send the X-CSRF-Token header the session gave you)');
}

export function logout(deps: Deps, sessionId: number): void {
  deps.db.sessions.delete(sessionId);
}
