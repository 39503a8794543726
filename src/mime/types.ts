/** The one message model (DESIGN.md "Modules": src/mime): what a message's analysis holds. */

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
  /** Decoded, folded text for the search index. */
  readonly searchText: {
    readonly subject: string;
    readonly from: string;
    readonly to: string;
    readonly cc: string;
    readonly bcc: string;
    /** Every header field, `name: value` per line (RFC 3501 §6.4.4 TEXT and HEADER). */
    readonly headers: string;
    readonly body: string;
  };
}
