// API tokens: random, shown once, stored only as SHA-256 hashes, compared in constant time,
// optionally expiring, revocable with immediate effect. The first start creates the admin.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Invalid, NotFound, Unauthorized } from '../../errors.js';
import type { Role, TokenRow, UserRow } from '../../infra/db/rows.js';
import type { Deps } from '../context.js';

export interface Principal {
  user: UserRow;
  tokenId: number;
}

export interface TokenView {
  id: number;
  name: string;
  user: string;
  prefix: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{32,200}$/;
const TOUCH_EVERY_MS = 60_000;

export const generateToken = (): string => `berth_${randomBytes(32).toString('base64url')}`;
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const DUMMY = Buffer.alloc(32);

export function storeToken(deps: Deps, user: UserRow, name: string, token: string, expiresAt: string | null): TokenRow {
  return deps.db.users.insertToken({ userId: user.id, name, hash: hashToken(token), prefix: token.slice(0, 12), expiresAt });
}

/**
 * On the first start, creates the admin user with a token: BERTH_ADMIN_TOKEN when given, else
 * a new one, which is returned so the caller can show it once. Later starts return null.
 */
export function bootstrapAdmin(deps: Deps, fromEnv: string | undefined): { token: string; generated: boolean } | null {
  if (deps.db.users.count() > 0) return null;
  if (fromEnv !== undefined && !TOKEN_RE.test(fromEnv)) throw Invalid('BERTH_ADMIN_TOKEN must be 32 to 200 letters, digits, - or _');
  const token = fromEnv ?? generateToken();
  deps.db.tx(() => {
    const admin = deps.db.users.insert('admin', 'admin');
    storeToken(deps, admin, 'bootstrap', token, null);
    deps.db.events.add({ appId: null, subject: `user:${admin.id}`, kind: 'user.created', message: 'admin created on first start' });
  });
  return { token, generated: fromEnv === undefined };
}

/** The principal a presented token belongs to; throws Unauthorized without saying which check failed. */
export function authenticate(deps: Deps, presented: string | undefined): Principal {
  if (!presented) throw Unauthorized('authentication required: send Authorization: Bearer <token>', { hint: 'log in with `berth login <url>`' });
  const hash = hashToken(presented);
  const row = deps.db.users.tokenByHash(hash);
  // The lookup is by hash (a preimage is infeasible); the final comparison is constant-time.
  const same = timingSafeEqual(row ? Buffer.from(row.hash, 'hex') : DUMMY, Buffer.from(hash, 'hex'));
  const now = Date.now();
  if (!row || !same || row.revokedAt || (row.expiresAt && Date.parse(row.expiresAt) <= now)) throw Unauthorized('invalid, expired or revoked token');
  const user = deps.db.users.get(row.userId);
  if (!user) throw Unauthorized('invalid, expired or revoked token');
  if (!row.lastUsedAt || now - Date.parse(row.lastUsedAt) > TOUCH_EVERY_MS) deps.db.users.touchToken(row.id);
  return { user, tokenId: row.id };
}

export function createToken(deps: Deps, p: Principal, opts: { name: string; expiresInDays?: number | undefined }): { token: string; view: TokenView } {
  const token = generateToken();
  const expiresAt = opts.expiresInDays ? new Date(Date.now() + opts.expiresInDays * 86_400_000).toISOString() : null;
  const row = deps.db.tx(() => {
    const r = storeToken(deps, p.user, opts.name, token, expiresAt);
    deps.db.events.add({ appId: null, subject: `user:${p.user.id}`, kind: 'token.created', message: `${p.user.name} created token ${opts.name} (#${r.id})` });
    return r;
  });
  return { token, view: viewToken(row, p.user.name) };
}

function viewToken(t: TokenRow, user: string): TokenView {
  return { id: t.id, name: t.name, user, prefix: t.prefix, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt, createdAt: t.createdAt };
}

/** Admins see every token; others their own. Never the token or its hash. */
export function listTokens(deps: Deps, p: Principal): TokenView[] {
  const rows = deps.db.users.tokens(p.user.role === 'admin' ? undefined : p.user.id);
  return rows.map((t) => viewToken(t, deps.db.users.get(t.userId)?.name ?? '?'));
}

/** Revokes at once. A token the caller may not see is "not found", not "forbidden". */
export function revokeToken(deps: Deps, p: Principal, id: number): void {
  const t = deps.db.users.token(id);
  if (!t || (p.user.role !== 'admin' && t.userId !== p.user.id)) throw NotFound(`token #${id} does not exist`);
  deps.db.tx(() => {
    deps.db.users.revokeToken(id);
    deps.db.events.add({ appId: null, subject: `user:${p.user.id}`, kind: 'token.revoked', message: `${p.user.name} revoked token #${id}` });
  });
}

/** Whether a role may do a request of this kind: viewers only read. */
export const mayWrite = (role: Role): boolean => role !== 'viewer';
