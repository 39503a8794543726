import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type {
  AccountId,
  AppendMessage,
  AppendResult,
  BlobId,
  CopyResult,
  DeliveryOptions,
  DeliveryResult,
  DeliveryTarget,
  Flag,
  FlagOperation,
  MailboxChange,
  MailboxCounts,
  MailboxId,
  MailboxInfo,
  MessageBytes,
  MessageListOptions,
  MessageMeta,
  MessageRow,
  ModSeq,
  SpecialUse,
  StoreFlagsResult,
  TextField,
  Uid,
  PurgeOptions,
} from './types.js';

/**
 * What the protocols may ask of the message store. All methods that change data commit before
 * they return (or resolve) and emit a MailboxChange on `events` after the commit.
 */
export interface MailStore {
  /** Emits 'change' (MailboxChange) after every commit, and 'external' when another process wrote. */
  readonly events: EventEmitter<{ change: [MailboxChange] }>;
  /**
   * When a change is emitted relative to the call that made it: 'in-call' synchronously inside
   * the call (SQLite commits and emits without awaiting), 'after-await' in the call's asynchronous
   * continuation, after awaiting the database (PostgreSQL). Who made a change (RFC 5465 §5, a
   * session is not told of its own) is known differently in each case: src/imap/seen-view.ts.
   */
  readonly changesEmitted: 'in-call' | 'after-await';

  // --- accounts and mailboxes --------------------------------------------------------------
  /** Creates the default folders (INBOX, Sent, Drafts, Trash, Junk, Archive) if missing. Idempotent. */
  ensureAccount(account: AccountId): Promise<void>;
  /** Every mailbox of the account, sorted by name. */
  listMailboxes(account: AccountId): Promise<MailboxInfo[]>;
  /** Case-sensitive except INBOX, which matches in any case (RFC 3501 §5.1). */
  getMailbox(account: AccountId, name: string): Promise<MailboxInfo | null>;
  getMailboxById(id: MailboxId): Promise<MailboxInfo | null>;
  /** The mailbox holding the most octets of messages, of any account; null when no mailbox holds one (serve's FETCH warm-up, docs/architecture.md). */
  largestMailbox(): Promise<MailboxInfo | null>;
  /** Creates a mailbox and any missing parents. StoreError 'already-exists' / 'invalid-name'. */
  createMailbox(account: AccountId, name: string, specialUse?: SpecialUse | null): Promise<MailboxInfo>;
  /**
   * RFC 3501 §6.3.4: deletes a mailbox and its messages; INBOX cannot be deleted. Its inferiors
   * stay, under a \Noselect name that is no mailbox (LIST shows it while they exist).
   */
  deleteMailbox(account: AccountId, name: string): Promise<void>;
  /**
   * RFC 3501 §6.3.5: renames with its children; renaming INBOX moves its messages to the new name and leaves INBOX empty.
   * A \Noselect name (no mailbox, only inferiors) is renamed as well: its inferiors move under the new name.
   */
  renameMailbox(account: AccountId, from: string, to: string): Promise<void>;
  mailboxCounts(id: MailboxId): Promise<MailboxCounts>;
  /** Subscriptions are names, and may name mailboxes that do not exist (RFC 3501 §6.3.6). */
  setSubscribed(account: AccountId, name: string, subscribed: boolean): Promise<void>;
  listSubscriptions(account: AccountId): Promise<string[]>;
  /** Total RFC822.SIZE of everything the account holds (QUOTA STORAGE, in bytes). */
  accountUsage(account: AccountId): Promise<number>;

  // --- messages ----------------------------------------------------------------------------
  /**
   * Stores the body once and links it into each target's INBOX or Junk, in one transaction
   * grouped with other concurrent deliveries; resolves only after the commit (synchronous=FULL).
   */
  deliver(targets: readonly DeliveryTarget[], raw: MessageBytes, options?: DeliveryOptions): Promise<DeliveryResult>;
  /** IMAP APPEND: one message into one mailbox. StoreError 'nonexistent' / 'over-quota'. */
  append(mailbox: MailboxId, raw: Buffer, options?: { flags?: readonly Flag[]; internalDate?: Date }): Promise<AppendResult>;
  /** RFC 3502 MULTIAPPEND: every message into one mailbox in one transaction, all or none; results in the same order. */
  appendMessages(mailbox: MailboxId, messages: readonly AppendMessage[]): Promise<AppendResult[]>;
  /**
   * Every message in UID order (the IMAP session keeps the sequence-number map). With changedSince:
   * only rows with modseq > it. With `afterUid` and `limit`: one page, at most `limit` rows with a
   * UID above `afterUid` (0: from the first), for a job that walks a large mailbox in bounded slices
   * (docs/architecture.md invariant 2).
   */
  listMessages(mailbox: MailboxId, options?: MessageListOptions): Promise<MessageRow[]>;
  /**
   * The rows of the given UIDs, in UID order (missing UIDs are skipped): for commands that name a
   * few messages of a large mailbox, where listMessages would read every row.
   */
  getMessages(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageRow[]>;
  /**
   * Expunged UIDs with modseq > since, ascending (RFC 7162 VANISHED); null when the kept history
   * does not reach back to `since` (pruning rule in expunge-history.ts).
   */
  expungedSince(mailbox: MailboxId, since: ModSeq): Promise<Uid[] | null>;
  /** ENVELOPE, BODYSTRUCTURE and part offsets stored at delivery, for the given UIDs (missing UIDs are skipped). */
  getMessageMeta(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageMeta[]>;
  /**
   * A protocol's own encoding of stored bodies' meta (IMAP's encoded ENVELOPE/BODYSTRUCTURE),
   * opaque to the store, for the given UIDs that have one. Bodies never change, so it never goes stale.
   */
  protocolCache(mailbox: MailboxId, uids: readonly Uid[]): Promise<Map<Uid, string>>;
  /**
   * Saved encodings of any mailbox, newest bodies first: `limit` of them stored before body number
   * `before` (null: the newest), and the number to pass next (null: no more).
   */
  recentProtocolCache(before: number | null, limit: number): Promise<{ readonly entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>; readonly next: number | null }>;
  /** Keeps the encodings of protocolCache, written once per body; a body that already has one keeps it. */
  saveProtocolCache(entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>): Promise<void>;
  /** Raw bytes [start, end) of a stored message; end defaults to the whole message. */
  readBlob(blob: BlobId, start?: number, end?: number): Promise<Buffer>;
  /** The whole raw message as a stream (for large bodies). */
  streamBlob(blob: BlobId): Promise<Readable>;
  /** Sets, adds or removes flags; with unchangedSince, rows with a higher modseq are reported in `modified` and left alone. */
  storeFlags(mailbox: MailboxId, uids: readonly Uid[], operation: FlagOperation, flags: readonly Flag[], unchangedSince?: ModSeq): Promise<StoreFlagsResult>;
  /** RFC 3501 \Recent: returns the UIDs still marked recent and clears the mark, so only one session sees them. */
  claimRecent(mailbox: MailboxId): Promise<Uid[]>;
  /** RFC 3501 §6.3.2: the UIDs still marked recent, left marked (EXAMINE and read-only sessions see \Recent without taking it). */
  recentUids(mailbox: MailboxId): Promise<Uid[]>;
  /** COPY: new UIDs in the destination, flags kept, body shared. */
  copyMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult>;
  /** RFC 6851 MOVE: copy + expunge in one transaction. */
  moveMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult>;
  /** Removes messages flagged \Deleted (only among `uids` when given, RFC 4315 UID EXPUNGE); returns the removed UIDs ascending. */
  expunge(mailbox: MailboxId, uids?: readonly Uid[]): Promise<Uid[]>;
  /**
   * RFC 3501 §6.4.4 text keys: the UIDs of the mailbox whose `field` contains `query` as a
   * substring, ignoring case, and also ignoring Vietnamese diacritics (`nguyen` finds `Nguyễn`).
   * Answered from the index in slices, yielding to the event loop between them.
   */
  searchText(mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>>;

  // --- seen mode 'private' of unit mailboxes (docs/architecture.md "Unit mailboxes") --------------------------------------------
  /** The UIDs of `mailbox` that `reader` has marked \Seen for themselves alone. */
  privateSeen(mailbox: MailboxId, reader: AccountId): Promise<Set<Uid>>;
  /**
   * Sets or clears `reader`'s own \Seen on `uids` (existing messages only); returns the UIDs whose
   * state changed. Like storeFlags, the changed rows get a new MODSEQ and a 'flags' change is
   * emitted after the commit, so the reader's other sessions (and CONDSTORE clients) learn of it.
   */
  setPrivateSeen(mailbox: MailboxId, reader: AccountId, uids: readonly Uid[], seen: boolean): Promise<Uid[]>;

  /**
   * Deletes stored bodies that no mailbox references any more (after EXPUNGE, MOVE, DELETE);
   * returns how many. Bodies are not removed at expunge time, so a session still streaming one
   * is not cut off; the retention job calls this.
   */
  purgeUnreferencedBlobs(): Promise<number>;

  /**
   * Retention (docs/architecture.md "Retention and migration"): deletes every mailbox, message
   * and subscription of the account, and its private \Seen in unit mailboxes, in one transaction
   * with `options.inTransaction` (the caller's record of the purge commits with it or not at
   * all); returns how many messages went. Their bodies stay until purgeUnreferencedBlobs.
   */
  purgeAccount(account: AccountId, options?: PurgeOptions): Promise<number>;

  /** Finishes pending group commits and closes the database. */
  close(): Promise<void>;
}
