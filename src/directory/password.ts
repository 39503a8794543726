import { randomInt } from 'node:crypto';
import type argon2Module from 'argon2';
import type { DirectoryContext } from './context.js';
import { DirectoryError, type Argon2Cost } from './types.js';

/**
 * Password hashing, generation and storage. Hashes are argon2id PHC strings: the parameters travel
 * in the hash, so cheaper test parameters never weaken what production verifies.
 */

/** OWASP Password Storage Cheat Sheet, argon2id minimum: m = 19 MiB, t = 2, p = 1. */
export const PRODUCTION_ARGON2: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * RFC 8265 §4.2 (OpaqueString): passwords are compared in Unicode NFC, so "mật khẩu" typed on a
 * keyboard that sends decomposed letters (NFD, as some phones and macOS do) still matches.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** The native argon2 binding, loaded at the first hash or check: a listing command never needs it. */
async function loadArgon2(): Promise<typeof argon2Module> {
  return (await import('argon2')).default;
}

export async function hashPassword(password: string, cost: Argon2Cost = PRODUCTION_ARGON2): Promise<string> {
  const argon2 = await loadArgon2();
  return argon2.hash(normalizePassword(password), { type: argon2.argon2id, ...cost });
}

/** The PHC string form hashPassword writes: argon2id, version 19, the m, t and p costs, base64 salt and hash without padding. */
const ARGON2ID_PHC = /^\$argon2id\$v=19\$[mtp]=\d+(?:,[mtp]=\d+){2}\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** A hash given from outside must be one verifyPassword can check; DirectoryError 'invalid-input'. */
export function checkPasswordHash(hash: string): void {
  if (!ARGON2ID_PHC.test(hash)) throw new DirectoryError('invalid-input', 'the password hash is not an argon2id PHC string ($argon2id$v=19$m=…,p=…,t=…$salt$hash)');
}

/** False for a wrong password or a malformed hash (a corrupt row must not crash a login). */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await (await loadArgon2()).verify(hash, normalizePassword(password));
  } catch {
    return false;
  }
}

/** No 0/O/o, 1/l/I: the password is read aloud over the phone and copied from paper. */
const UNAMBIGUOUS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
/** 14 characters of 56 symbols: about 81 bits. */
export const GENERATED_PASSWORD_LENGTH = 14;

export function generatePassword(): string {
  let out = '';
  for (let i = 0; i < GENERATED_PASSWORD_LENGTH; i++) out += UNAMBIGUOUS[randomInt(UNAMBIGUOUS.length)];
  return out;
}

export const MIN_PASSWORD_LENGTH = 10;
/** argon2 hashes any length, but a megabyte "password" is a cheap way to burn our CPU. */
export const MAX_PASSWORD_LENGTH = 256;

/** The rules every password an admin or official sets must pass; DirectoryError 'invalid-input'. */
export function checkNewPassword(password: string): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw new DirectoryError('invalid-input', `the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw new DirectoryError('invalid-input', `the password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(password)) throw new DirectoryError('invalid-input', 'the password may not contain control characters');
}

/**
 * Inside a change's transaction: the new hash becomes the current one, the old one the previous
 * one (for the reuse rule), and the credential version grows so that sessions opened with the
 * old password end (revalidate). `mustChange`: true for a password someone else gave (reset).
 */
export function writePasswordHash(ctx: DirectoryContext, personId: number, hash: string, options: { mustChange: boolean }): void {
  const now = ctx.now().toISOString();
  ctx.db
    .prepare(
      `UPDATE persons SET password_hash = ?, previous_password_hash = password_hash, must_change_password = ?,
         credential_version = credential_version + 1, password_changed_at = ?, updated_at = ? WHERE id = ?`,
    )
    .run(hash, options.mustChange ? 1 : 0, now, now, personId);
}
