import type { Envelope, MessageAnalysis, MimePart } from '../mime/index.js';
/**
 * The store's public contract. Protocol code (src/imap, src/smtp, src/web) uses only these types
 * and the MailStore interface, never SQL: a second backend (PostgreSQL + object store) would
 * implement the same interface.
 */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Canonical, lowercase address of the account that owns mailboxes: `annv@cantho.gov.vn`, `vpubnd@cantho.gov.vn`. */
export type AccountId = Brand<string, 'AccountId'>;
export type MailboxId = Brand<number, 'MailboxId'>;
/** RFC 3501 §2.3.1.1: strictly ascending per mailbox, never reused within one UIDVALIDITY. */
export type Uid = Brand<number, 'Uid'>;
/** RFC 7162: per-mailbox modification sequence, grows with every change. */
export type ModSeq = Brand<number, 'ModSeq'>;
/** SHA-256 hex of the raw message: one stored body however many mailboxes hold it. */
export type BlobId = Brand<string, 'BlobId'>;

export const asAccountId = (address: string): AccountId => address.toLowerCase() as AccountId;
export const asMailboxId = (n: number): MailboxId => n as MailboxId;
export const asUid = (n: number): Uid => n as Uid;
export const asModSeq = (n: number): ModSeq => n as ModSeq;

/** RFC 6154 special-use attributes of the default folders. */
export type SpecialUse = '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive' | '\\All' | '\\Flagged';

export const DEFAULT_FOLDERS: ReadonlyArray<{ name: string; specialUse: SpecialUse | null }> = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/** Hierarchy delimiter of every mailbox name in the store (names are plain UTF-8, not modified UTF-7). */
export const MAILBOX_DELIMITER = '/';

export interface MailboxInfo {
  readonly id: MailboxId;
  readonly account: AccountId;
  /** Full UTF-8 name with "/" as delimiter; "INBOX" is always spelled in capitals. */
  readonly name: string;
  readonly specialUse: SpecialUse | null;
  readonly uidValidity: number;
  readonly uidNext: Uid;
  readonly highestModSeq: ModSeq;
}

export interface MailboxCounts {
  readonly messages: number;
  readonly recent: number;
  readonly unseen: number;
  readonly deleted: number;
  /** Sum of RFC822.SIZE of the messages (RFC 8438 STATUS SIZE). */
  readonly size: number;
}

/** System flags (`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`) and keywords, as the client spelled them. `\Recent` is never stored here. */
export type Flag = string;

export interface MessageRow {
  readonly uid: Uid;
  readonly modSeq: ModSeq;
  readonly flags: readonly Flag[];
  readonly internalDate: Date;
  /** RFC822.SIZE: octets of the raw message. */
  readonly size: number;
  readonly blobId: BlobId;
}

export type { Envelope, EnvelopeAddress, MessageAnalysis, MimePart } from '../mime/index.js';

export interface MessageMeta {
  readonly uid: Uid;
  readonly envelope: Envelope;
  readonly structure: MimePart;
  readonly headerSize: number;
}

/**
 * Where a delivered copy lands. The SMTP side maps a filter verdict to INBOX or Junk, and a Sieve
 * script's fileinto to a named folder: one that does not exist (or has an invalid name) gets the
 * copy in INBOX instead, unless `create` asks for it to be made (RFC 5490 §3 :create).
 */
export type DeliveryFolder = 'INBOX' | 'Junk' | { readonly name: string; readonly create: boolean };

/**
 * Octets [start, end) of a file on disk: a message spooled while it arrived (src/limits), which
 * the store reads a chunk at a time as it hashes and writes it, so that it is never whole in memory.
 * The file must stay until the store call that takes it has resolved.
 */
export interface FileRange {
  readonly file: string;
  readonly start: number;
  readonly end: number;
}

export type MessagePiece = Buffer | FileRange;

/**
 * A message as one buffer, or as pieces stored as their concatenation: fields the server puts on
 * top of a received message are one small piece, the received bytes the others (in memory, or
 * ranges of its spool file), so the body is never copied to add them (STYLE.md, Mox's MsgPrefix).
 */
export type MessageBytes = Buffer | readonly MessagePiece[];

export interface DeliveryTarget {
  readonly account: AccountId;
  readonly folder: DeliveryFolder;
  /** This copy's flags (RFC 5232 imap4flags), instead of the options' flags. */
  readonly flags?: readonly Flag[];
}

/** What MailStore.listMessages reads: every row, those changed since a MODSEQ, or one page by UID. */
export type MessageListOptions = { readonly changedSince?: ModSeq } | { readonly afterUid: Uid | 0; readonly limit: number };

export interface DeliveryOptions {
  readonly internalDate?: Date;
  readonly flags?: readonly Flag[];
  /** analyzeMessage of exactly these bytes, already computed (the SMTP edge does it on a worker thread); else the store computes it. */
  readonly analysis?: MessageAnalysis;
  /** The SHA-256 (hex) of exactly these bytes, computed on a worker for a spooled message; else the store hashes them. */
  readonly sha256?: string;
  /**
   * Runs inside the delivery's own transaction (its savepoint), after the message rows are
   * written: a caller's bookkeeping commits with the delivery or not at all (docs/architecture.md "Violations (Điều 10)": a warning
   * is marked sent exactly when it is in the INBOX). Throwing rolls back this delivery alone.
   */
  readonly inTransaction?: () => void;
  /**
   * The unit diligence memory this notice states (src/store/unit-diligence.ts), written by the
   * store in the delivery's own transaction on either backend: a restart neither repeats the
   * reminder or digest nor forgets it.
   */
  readonly diligence?: DiligenceRecord;
}

/**
 * What Điều 9.2's reminders and digests remember (docs/architecture.md "Unit mailboxes"): the unit
 * INBOX messages a reminder named, or that a unit's digest for a local day ("2027-01-04") went out.
 */
export type DiligenceRecord =
  | { readonly kind: 'reminded'; readonly mailbox: MailboxId; readonly uids: readonly Uid[]; readonly at: Date }
  | { readonly kind: 'digest'; readonly account: AccountId; readonly day: string; readonly at: Date };

export interface DeliveryResult {
  readonly blobId: BlobId;
  readonly delivered: ReadonlyArray<{ readonly account: AccountId; readonly mailbox: MailboxId; readonly uid: Uid }>;
}

/** One message of an IMAP APPEND; RFC 3502 MULTIAPPEND sends several in one command. */
export interface AppendMessage {
  readonly raw: MessageBytes;
  readonly flags?: readonly Flag[];
  readonly internalDate?: Date;
  /** analyzeMessage of exactly these bytes, already computed (on a worker thread for a large one); else the store computes it. */
  readonly analysis?: MessageAnalysis;
  /** The SHA-256 (hex) of exactly these bytes, already computed with the analysis; else the store hashes them. */
  readonly sha256?: string;
}

export interface AppendResult {
  readonly mailbox: MailboxId;
  readonly uidValidity: number;
  readonly uid: Uid;
}

/** RFC 4315 COPYUID data. */
export interface CopyResult {
  readonly uidValidity: number;
  /** Pairs in source UID order. */
  readonly mapping: ReadonlyArray<readonly [source: Uid, destination: Uid]>;
}

export type FlagOperation = 'set' | 'add' | 'remove';

export interface StoreFlagsResult {
  /** Rows whose flags or modseq changed (RFC 7162: every row named gets a new MODSEQ if its flags changed). */
  readonly updated: readonly MessageRow[];
  /** RFC 7162 §3.1.3: UIDs not changed because their MODSEQ was above UNCHANGEDSINCE. */
  readonly modified: readonly Uid[];
}

/**
 * Which text the search index looks in (RFC 3501 §6.4.4 SEARCH keys backed by the index); 'header'
 * is every header field at once (`name: value` lines), the candidates of a HEADER key.
 */
export type TextField = 'text' | 'body' | 'subject' | 'from' | 'to' | 'cc' | 'bcc' | 'header';

/**
 * In-process notification after a commit, for IMAP sessions (IDLE, untagged EXISTS/EXPUNGE/FETCH).
 * `external` means another process (the CLI) changed the database: re-read everything.
 */
export type MailboxChange =
  | { readonly kind: 'append'; readonly account: AccountId; readonly mailbox: MailboxId; readonly uids: readonly Uid[]; readonly modSeq: ModSeq }
  | { readonly kind: 'expunge'; readonly account: AccountId; readonly mailbox: MailboxId; readonly uids: readonly Uid[]; readonly modSeq: ModSeq }
  | { readonly kind: 'flags'; readonly account: AccountId; readonly mailbox: MailboxId; readonly uids: readonly Uid[]; readonly modSeq: ModSeq }
  | { readonly kind: 'mailboxes'; readonly account: AccountId }
  | { readonly kind: 'external' };

/**
 * Typed failures; the protocol edge maps them to replies (IMAP NO [NONEXISTENT], [ALREADYEXISTS], …).
 * 'full': the disk or the database refused the write (storage-full.ts); transient, nothing was kept.
 * 'unavailable': the database is gone or read-only (a PostgreSQL failover, docs/postgres.en.md
 * "Failover"); transient, and whatever the command wrote was not acknowledged.
 */
export class StoreError extends Error {
  constructor(
    readonly code: 'nonexistent' | 'already-exists' | 'cannot' | 'over-quota' | 'too-big' | 'invalid-name' | 'full' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface PurgeOptions {
  /**
   * Runs inside the purge's transaction with the number of messages purged: what it writes (the
   * directory's audit row, over the same database) commits with the purge. Throwing rolls it back.
   */
  readonly inTransaction?: (messagesPurged: number) => void;
}
