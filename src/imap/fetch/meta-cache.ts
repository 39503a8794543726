/**
 * ENVELOPE and BODYSTRUCTURE of stored bodies, already encoded, kept in memory by blob. A body's id
 * is the SHA-256 of its bytes, so an entry can never go stale; the cache only saves the JSON parse
 * of the stored meta and the encoding, which are most of the cost of the sync FETCH clients send
 * most (`UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)`). Shared by all sessions,
 * bounded in characters; the oldest entries go first (a hit does not reorder: that would cost a
 * Map delete and insert per message of every FETCH, and an evicted entry that is still wanted
 * simply comes back on its next miss). Entries are also kept in the store (store.protocolCache,
 * `serialize`/`restore` here), so after a restart the first full sync reads them instead of
 * encoding every message again; `preloadEncodedMeta` (started with the listeners) puts them back
 * in memory before a client asks, newest bodies first, up to the cache's size.
 */
import type { BlobId, MailStore, MessageMeta } from '../../store/index.js';
import { encodeValue } from '../responses.js';
import { bodyStructureValue } from './bodystructure.js';
import { envelopeValue } from './envelope.js';

export interface EncodedMeta {
  /** `(date subject …)`, ready to follow `ENVELOPE `. */
  readonly envelope: string;
  /** `(…)` with extension data, ready to follow `BODYSTRUCTURE `. */
  readonly bodyStructure: string;
  /** Size of the top-level header block (RFC822.HEADER, BODY[HEADER], BODY[TEXT]). */
  readonly headerSize: number;
}

/** A typical entry is about 1,000 characters: some 30,000 messages, 32–64 MB (two bytes a character once there is Vietnamese). */
const DEFAULT_MAX_CHARS = 32 * 1024 * 1024;

export class EncodedMetaCache {
  /** A Map iterates in insertion order, oldest first. */
  private readonly entries = new Map<BlobId, EncodedMeta>();
  private chars = 0;

  constructor(private readonly maxChars = DEFAULT_MAX_CHARS) {}

  /** Whether another `restore` would push out an older entry. */
  get full(): boolean {
    return this.chars >= this.maxChars;
  }

  get(blob: BlobId): EncodedMeta | undefined {
    return this.entries.get(blob);
  }

  /** Encodes the stored meta of `blob`, keeps it, and returns it. */
  add(blob: BlobId, meta: MessageMeta): EncodedMeta {
    return this.keep(blob, {
      // The stored strings are UTF-8 text; latin1 would split multi-byte characters of literals.
      envelope: encodeValue(envelopeValue(meta.envelope)).toString('utf8'),
      bodyStructure: encodeValue(bodyStructureValue(meta.structure, true)).toString('utf8'),
      headerSize: meta.headerSize,
    });
  }

  /** Keeps an entry read back from the store (the text `serialize` made) and returns it. */
  restore(blob: BlobId, text: string): EncodedMeta {
    const [headerSize, envelope, bodyStructure] = JSON.parse(text) as [number, string, string];
    return this.keep(blob, { envelope, bodyStructure, headerSize });
  }

  /** The entry as the store keeps it (store.saveProtocolCache). */
  static serialize(entry: EncodedMeta): string {
    return JSON.stringify([entry.headerSize, entry.envelope, entry.bodyStructure]);
  }

  private keep(blob: BlobId, entry: EncodedMeta): EncodedMeta {
    const previous = this.entries.get(blob);
    if (previous) this.chars -= sizeOf(previous);
    this.entries.set(blob, entry);
    this.chars += sizeOf(entry);
    for (const [oldest, old] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= sizeOf(old);
    }
    return entry;
  }
}

const sizeOf = (entry: EncodedMeta): number => entry.envelope.length + entry.bodyStructure.length;

/** The process-wide cache every session's FETCH uses. */
export const encodedMetaCache = new EncodedMetaCache();

/** Saved encodings read per event-loop turn while preloading: a few milliseconds each. */
const PRELOAD_BATCH = 500;

/**
 * Fills the cache from the store's saved encodings, newest bodies first, a batch per event-loop
 * turn, until the store has no more or the cache is full (never pushing an entry out). Run once
 * at start-up: the first full sync after a restart then finds in memory what the last run had
 * encoded, instead of reading and parsing it one FETCH batch at a time (bench/imap.ts (e)).
 * Resolves when done; `stopped()` ends it early (shutdown).
 */
export async function preloadEncodedMeta(store: MailStore, cache: EncodedMetaCache, stopped: () => boolean): Promise<number> {
  let before: number | null = null;
  let loaded = 0;
  while (!cache.full && !stopped()) {
    const { entries, next } = await store.recentProtocolCache(before, PRELOAD_BATCH);
    for (const { blob, text } of entries) {
      if (cache.full) break;
      if (cache.get(blob)) continue;
      cache.restore(blob, text);
      loaded++;
    }
    if (next === null) break;
    before = next;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return loaded;
}
