import type { LocalPart } from './address.js';
import type { RecipientResolution } from './types.js';

/**
 * Answers of resolveRecipient by local part, so the MX's RCPT (and DATA's quota check after it)
 * does not run the directory's three lookups (address, person, unit) for every message: the
 * served SMTP bench's profile had them at 5.6 % of the event loop's busy time.
 *
 * Correct because every way the answer can change empties the cache: a directory change in this
 * process (runChange → Directory.changed, after its COMMIT) and a commit by another process (the
 * store's 'external' event, PRAGMA data_version, within a second: DESIGN.md "CLI"). Unknown
 * addresses are cached too (a dictionary attack asks for them); past `maxEntries` the cache
 * starts over, so its memory stays bounded whatever RCPTs arrive.
 */
export class RecipientCache {
  private readonly entries = new Map<LocalPart, RecipientResolution>();

  constructor(private readonly maxEntries = 20_000) {}

  resolve(local: LocalPart, lookup: (local: LocalPart) => RecipientResolution): RecipientResolution {
    const cached = this.entries.get(local);
    if (cached !== undefined) return cached;
    const resolution = lookup(local);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(local, resolution);
    return resolution;
  }

  clear(): void {
    this.entries.clear();
  }
}
