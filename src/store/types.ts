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

/** RFC 3501 §7.4.2 address structure; a group is `{name:null, adl:null, mailbox:'group', host:null}` … `{…, mailbox:null, host:null}`. */
export interface EnvelopeAddress {
  readonly name: string | null;
  readonly adl: string | null;
  readonly mailbox: string | null;
  readonly host: string | null;
}

/** RFC 3501 §7.4.2 ENVELOPE. Strings are the raw header values (encoded-words kept, unfolded). */
export interface Envelope {
  readonly date: string | null;
  readonly subject: string | null;
  readonly from: readonly EnvelopeAddress[] | null;
  readonly sender: readonly EnvelopeAddress[] | null;
  readonly replyTo: readonly EnvelopeAddress[] | null;
  readonly to: readonly EnvelopeAddress[] | null;
  readonly cc: readonly EnvelopeAddress[] | null;
  readonly bcc: readonly EnvelopeAddress[] | null;
  readonly inReplyTo: string | null;
  readonly messageId: string | null;
}

/**
 * One MIME part, with everything BODYSTRUCTURE (RFC 3501 §7.4.2, extension data included) and
 * BODY[section] need, computed once at delivery. Offsets are byte offsets into the raw message.
 */
export interface MimePart {
  /** Lowercase, e.g. "text", "multipart", "message". */
  readonly type: string;
  readonly subtype: string;
  /** Content-Type parameters, names lowercased, values decoded from RFC 2231 continuations but not from encoded-words. */
  readonly params: Readonly<Record<string, string>>;
  readonly id: string | null;
  readonly description: string | null;
  /** Content-Transfer-Encoding as written (default "7BIT"). */
  readonly encoding: string;
  readonly md5: string | null;
  readonly disposition: { readonly type: string; readonly params: Readonly<Record<string, string>> } | null;
  readonly language: readonly string[] | null;
  readonly location: string | null;
  /** Start of this part's header block (for BODY[n.MIME]). */
  readonly headerStart: number;
  /** Start of this part's body (just past the blank line). */
  readonly bodyStart: number;
  /** End of this part's body (exclusive; before the CRLF that precedes the next boundary). */
  readonly bodyEnd: number;
  /** Body size in octets (bodyEnd - bodyStart). */
  readonly size: number;
  /** Lines of the body, for text/* and message/rfc822. */
  readonly lines: number;
  /** Sub-parts of a multipart. */
  readonly children?: readonly MimePart[];
  /** For message/rfc822: the enclosed message's envelope and structure (offsets still into the outer raw message). */
  readonly message?: { readonly envelope: Envelope; readonly structure: MimePart };
}

/** What is computed once at delivery and stored beside the message. */
export interface MessageAnalysis {
  readonly envelope: Envelope;
  readonly structure: MimePart;
  /** Size of the top-level header block including the blank line. */
  readonly headerSize: number;
  /** Decoded, folded text for the FTS index. */
  readonly searchText: {
    readonly subject: string;
    readonly from: string;
    readonly to: string;
    readonly cc: string;
    readonly bcc: string;
    readonly body: string;
  };
}

export interface MessageMeta {
  readonly uid: Uid;
  readonly envelope: Envelope;
  readonly structure: MimePart;
  readonly headerSize: number;
}

/** Where a delivered copy lands. The SMTP side maps a filter verdict to this. */
export type DeliveryFolder = 'INBOX' | 'Junk';

export interface DeliveryTarget {
  readonly account: AccountId;
  readonly folder: DeliveryFolder;
}

export interface DeliveryOptions {
  readonly internalDate?: Date;
  readonly flags?: readonly Flag[];
  /**
   * Runs inside the delivery's own transaction (its savepoint), after the message rows are
   * written: a caller's bookkeeping commits with the delivery or not at all (issue 7: a warning
   * is marked sent exactly when it is in the INBOX). Throwing rolls back this delivery alone.
   */
  readonly inTransaction?: () => void;
}

export interface DeliveryResult {
  readonly blobId: BlobId;
  readonly delivered: ReadonlyArray<{ readonly account: AccountId; readonly mailbox: MailboxId; readonly uid: Uid }>;
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

/** Which text the FTS index looks in (RFC 3501 §6.4.4 SEARCH keys backed by the index). */
export type TextField = 'text' | 'body' | 'subject' | 'from' | 'to' | 'cc' | 'bcc';

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
 */
export class StoreError extends Error {
  constructor(
    readonly code: 'nonexistent' | 'already-exists' | 'cannot' | 'over-quota' | 'too-big' | 'invalid-name' | 'full',
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
