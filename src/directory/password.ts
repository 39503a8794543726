import { randomInt } from 'node:crypto';
import argon2 from 'argon2';
import { DirectoryError } from './types.js';

/**
 * Password hashing and generation. Hashes are argon2id PHC strings: the parameters travel in
 * the hash, so cheaper test parameters never weaken what production verifies.
 */

export interface Argon2Cost {
  /** KiB. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, argon2id minimum: m = 19 MiB, t = 2, p = 1. */
export const PRODUCTION_ARGON2: Argon2Cost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string, cost: Argon2Cost = PRODUCTION_ARGON2): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...cost });
}

/** False for a wrong password or a malformed hash (a corrupt row must not crash a login). */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
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
