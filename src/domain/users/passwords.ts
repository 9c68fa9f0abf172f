// Password hashing for the dashboard's login: scrypt from node:crypto (memory-hard, no native
// module to build), stored as scrypt$N$r$p$salt$hash and compared in constant time.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

const scrypt = (password: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, KEYLEN, o, (err, key) => (err ? reject(err) : resolve(key))));

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `stored`; a missing or malformed hash still costs one scrypt, and fails. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  const ok = parts.length === 6 && parts[0] === 'scrypt';
  const [n, r, p] = ok ? parts.slice(1, 4).map(Number) : [N, R, P];
  const salt = ok ? Buffer.from(parts[4]!, 'base64url') : randomBytes(16);
  const expected = ok ? Buffer.from(parts[5]!, 'base64url') : Buffer.alloc(KEYLEN);
  const key = await scrypt(password, salt, { N: n!, r: r!, p: p! });
  return ok && key.length === expected.length && timingSafeEqual(key, expected);
}
