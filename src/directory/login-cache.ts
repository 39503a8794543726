import { createHmac, randomBytes } from 'node:crypto';
import type { AccountId } from '../store/index.js';
import { normalizePassword } from './password.js';

/**
 * Successful password checks, remembered briefly so a client that reconnects every minute does
 * not pay argon2 each time (argon2id with m=19 MiB, t=2 per check: src/directory/password.ts).
 * Keyed by account and a keyed SHA-256 of the password: the key is random per process, so the
 * cache never holds anything a dump could test guesses against offline. An entry also remembers
 * the stored hash it was checked against, so a password changed by another process (the CLI)
 * misses the cache even before the 'external' event clears it.
 */

interface Entry {
  readonly storedHash: string;
  readonly expires: number;
}

export class LoginCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<AccountId, Map<string, Entry>>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxAccounts = 50_000,
  ) {}

  has(account: AccountId, password: string, storedHash: string): boolean {
    const entry = this.entries.get(account)?.get(this.digest(password));
    return entry !== undefined && entry.storedHash === storedHash && entry.expires > this.now();
  }

  remember(account: AccountId, password: string, storedHash: string): void {
    let forAccount = this.entries.get(account);
    if (!forAccount) {
      if (this.entries.size >= this.maxAccounts) this.entries.delete(this.entries.keys().next().value!);
      forAccount = new Map();
      this.entries.set(account, forAccount);
    }
    const t = this.now();
    for (const [digest, entry] of forAccount) if (entry.expires <= t) forAccount.delete(digest);
    forAccount.set(this.digest(password), { storedHash, expires: t + this.ttlMs });
  }

  forget(account: AccountId): void {
    this.entries.delete(account);
  }

  clear(): void {
    this.entries.clear();
  }

  private digest(password: string): string {
    return createHmac('sha256', this.key).update(normalizePassword(password)).digest('base64');
  }
}
