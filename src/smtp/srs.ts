import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/index.js';

/**
 * Sender Rewriting Scheme for the external forwards `[sieve] external_redirect` allows: a
 * forwarded message leaves with `SRS0=HHHHHHHH=TT=domain=local@<our domain>` as its envelope
 * sender, so SPF at the receiver checks our domain, and a bounce to that address comes back to us
 * and goes on to the original sender. TT is the day (mod 1024, two base32 characters), HHHHHHHH
 * a keyed hash (HMAC-SHA256, hex, case-insensitive because MTAs may change case) over TT, domain
 * and local part: only we can make an address that reverses, and only for `SRS_MAX_AGE_DAYS`.
 * The key is `[sieve] srs_secret`, else a random one kept in `<data_dir>/srs-secret`.
 */

/** How long a bounce to a rewritten sender is honoured; longer than any queue keeps retrying. */
export const SRS_MAX_AGE_DAYS = 21;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const DAY_MS = 86_400_000;
const TIMESTAMP_CYCLE = 1024;
const SRS0 = /^srs0=([0-9a-f]{8})=([a-z2-7]{2})=([^=@]+)=(.+)$/i;

export interface SrsKey {
  readonly secret: Buffer;
  /** The domain rewritten senders use: our primary domain. */
  readonly domain: string;
}

export type SrsReversal =
  | { readonly ok: true; readonly address: string }
  | { readonly ok: false; readonly reason: 'forged' | 'expired' };

const keys = new WeakMap<Config, SrsKey>();

/** The key for this config, read (or made, on first use) once per process. */
export function srsKeyOf(config: Config): SrsKey {
  let key = keys.get(config);
  if (key === undefined) {
    key = { secret: Buffer.from(config.sieve.srs_secret || storedSecret(config.paths.dataDir), 'utf8'), domain: config.localDomains[0]! };
    keys.set(config, key);
  }
  return key;
}

function storedSecret(dataDir: string): string {
  const file = path.join(dataDir, 'srs-secret');
  if (!existsSync(file)) {
    // wx: two processes starting at once must not each write their own secret.
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    chmodSync(file, 0o600);
  }
  return readFileSync(file, 'utf8').trim();
}

function dayStamp(now: Date): string {
  const day = Math.floor(now.getTime() / DAY_MS) % TIMESTAMP_CYCLE;
  return `${BASE32[day >> 5]}${BASE32[day & 31]}`;
}

function hashOf(key: SrsKey, stamp: string, domain: string, local: string): string {
  return createHmac('sha256', key.secret).update(`${stamp}\0${domain}\0${local}`.toLowerCase()).digest('hex').slice(0, 8);
}

/** The rewritten envelope sender for forwarding mail from `sender` (a null sender stays null). */
export function srsForward(sender: string, key: SrsKey, now: Date): string {
  const at = sender.lastIndexOf('@');
  if (sender === '' || at <= 0) return sender;
  const local = sender.slice(0, at);
  const domain = sender.slice(at + 1).toLowerCase();
  const stamp = dayStamp(now);
  return `SRS0=${hashOf(key, stamp, domain, local)}=${stamp}=${domain}=${local}@${key.domain}`;
}

/** Whether a local part is in our SRS form at all (then it is ours to reverse or refuse). */
export function isSrsLocalPart(localPart: string): boolean {
  return /^srs0=/i.test(localPart);
}

/** The original sender of an SRS0 local part, or why it is refused. */
export function srsReverse(localPart: string, key: SrsKey, now: Date): SrsReversal {
  const match = SRS0.exec(localPart);
  if (!match) return { ok: false, reason: 'forged' };
  const [, hash, stamp, domain, local] = match as unknown as [string, string, string, string, string];
  const expected = Buffer.from(hashOf(key, stamp.toLowerCase(), domain, local));
  if (!timingSafeEqual(expected, Buffer.from(hash.toLowerCase()))) return { ok: false, reason: 'forged' };
  const made = BASE32.indexOf(stamp[0]!.toLowerCase()) * 32 + BASE32.indexOf(stamp[1]!.toLowerCase());
  const today = Math.floor(now.getTime() / DAY_MS) % TIMESTAMP_CYCLE;
  const age = (today - made + TIMESTAMP_CYCLE) % TIMESTAMP_CYCLE;
  if (age > SRS_MAX_AGE_DAYS) return { ok: false, reason: 'expired' };
  return { ok: true, address: `${local}@${domain.toLowerCase()}` };
}
