import type { MimePart } from '../mime/index.js';
import type { VacationSpec } from './program.js';

/** What a script sees of a message (RFC 5228 §5): decoded header fields, the extracted text, the envelope. */
export interface SieveMessage {
  /** Every header field in order, names lowercase, values unfolded and RFC 2047-decoded (RFC 5228 §2.7.2). */
  readonly headers: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** RFC 5173 :text: the decoded text parts as the store's search index holds them (folded for Vietnamese). */
  readonly bodyText: string;
  /** Octets of the message (RFC 5228 §5.9). */
  readonly size: number;
  /** RFC 5228 §5.4: MAIL FROM ("" for the null reverse-path) and the recipient this run is for. */
  readonly envelope: { readonly from: string; readonly to: string };
  /** RFC 5260 §5 currentdate: the time of delivery (milliseconds since the epoch). */
  readonly now: number;
  /** RFC 5235 values from our filters' verdict (docs/sieve.md "Spam and virus tests"). */
  readonly verdict: SieveVerdictValues;
  /** RFC 5490 §3.1 mailboxexists: the recipient's folders. */
  readonly folders: readonly string[];
  /** RFC 5173 §5 :raw and :content, or null when no script asks for them. */
  readonly body: SieveBody | null;
}

/** The message's first octets (header block and at most limits.ts maxBodyBytes of body) with its MIME structure (offsets into the whole message). */
export interface SieveBody {
  readonly prefix: Buffer;
  readonly headerSize: number;
  readonly structure: MimePart;
}

/** RFC 5235: spamtest 0–10 (0 "not tested"), spamtestplus :percent 0–100, virustest 0–5. */
export interface SieveVerdictValues {
  readonly spamtest: number;
  readonly spamPercent: number;
  readonly virustest: number;
}

/** Where a copy goes: `folder` null is the keep (the verdict's folder: INBOX, or Junk for spam). */
export interface SieveFiling {
  readonly folder: string | null;
  /** RFC 5490 §3 :create: make the folder if it is missing (else the copy goes to the keep folder). */
  readonly create: boolean;
  /** RFC 5232: flags and keywords the copy is stored with. */
  readonly flags: readonly string[];
}

export interface SieveRedirect {
  readonly address: string;
}

/** The outcome of one run; no filings and no redirects means the message was discarded. */
export interface SievePlan {
  readonly filings: readonly SieveFiling[];
  readonly redirects: readonly SieveRedirect[];
  readonly vacation: VacationSpec | null;
  /** Whether nothing cancelled the implicit keep (RFC 5228 §2.10.2). */
  readonly implicitKeep: boolean;
  /** RFC 5429: the message is refused for this recipient, with this reason (no filings then). */
  readonly reject: { readonly reason: string; readonly extended: boolean } | null;
}
