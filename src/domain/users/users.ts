// Users: created by admins with a first token, optionally given a password for the dashboard,
// removed with their tokens and sessions. Who belongs to which owner lives in owners/.
import { Conflict, Forbidden, Invalid, NotFound } from '../../errors.js';
import type { Role, UserRow } from '../../infra/db/rows.js';
import { validateOwnerName } from '../apps/names.js';
import type { Deps } from '../context.js';
import { hashPassword } from './passwords.js';
import { generateToken, storeToken, type Principal } from './tokens.js';

/** Admins create users; the answer carries the new user's first token, shown once. */
export function createUser(deps: Deps, p: Principal, u: { name: string; role: Role; owners?: string[] | undefined }): { user: UserView; token: string } {
  if (p.user.role !== 'admin') throw Forbidden('only admins manage users');
  // User names follow the same rule as app and owner names.
  const name = validateOwnerName(u.name);
  const owners = (u.owners ?? []).map((o) => validateOwnerName(o));
  const token = generateToken();
  const user = deps.db.tx(() => {
    if (deps.db.users.byName(name)) throw Conflict(`user ${name} already exists`);
    const created = deps.db.users.insert(name, u.role);
    for (const o of owners) {
      deps.db.owners.ensure(o);
      deps.db.users.addMembership(created.id, o);
    }
    storeToken(deps, created, 'first', token, null);
    deps.db.events.add({ appId: null, subject: `user:${created.id}`, kind: 'user.created', message: `${p.user.name} created ${u.role} ${name}` });
    return created;
  });
  return { user: viewUser(deps, user), token };
}

export interface UserView extends UserRow {
  owners: string[];
}

const viewUser = (deps: Deps, u: UserRow): UserView => ({ ...u, owners: deps.db.users.ownersOf(u.id) });

export function listUsers(deps: Deps, p: Principal): UserView[] {
  if (p.user.role !== 'admin') throw Forbidden('only admins manage users');
  return deps.db.users.list().map((u) => viewUser(deps, u));
}

/** Deletes a user with their tokens, sessions and memberships. An admin cannot delete themself. */
export function deleteUser(deps: Deps, p: Principal, name: string): void {
  if (p.user.role !== 'admin') throw Forbidden('only admins manage users');
  if (name === p.user.name) throw Conflict('you cannot delete yourself; another admin can');
  deps.db.tx(() => {
    const u = deps.db.users.byName(name);
    if (!u) throw NotFound(`user ${name} does not exist`);
    deps.db.users.delete(u.id);
    deps.db.events.add({ appId: null, subject: `user:${u.id}`, kind: 'user.deleted', message: `${p.user.name} deleted ${u.role} ${name}` });
  });
}

export const MIN_PASSWORD = 10;

/**
 * Sets (or with null, removes) a user's dashboard password: users set their own, admins anyone's.
 * Every session of the user ends, so a changed password locks out whoever had the old one.
 */
export async function setPassword(deps: Deps, p: Principal, name: string, password: string | null): Promise<void> {
  if (name !== p.user.name && p.user.role !== 'admin') throw Forbidden('only admins set other users\' passwords');
  const u = deps.db.users.byName(name);
  if (!u) throw NotFound(`user ${name} does not exist`);
  if (password !== null && password.length < MIN_PASSWORD) throw Invalid(`a password needs at least ${MIN_PASSWORD} characters`);
  const hash = password === null ? null : await hashPassword(password);
  deps.db.tx(() => {
    deps.db.users.setPasswordHash(u.id, hash);
    deps.db.sessions.deleteForUser(u.id);
    deps.db.events.add({ appId: null, subject: `user:${u.id}`, kind: 'user.password', message: `${p.user.name} ${hash ? 'set' : 'removed'} the password of ${name}` });
  });
}
