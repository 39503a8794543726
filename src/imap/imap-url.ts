/**
 * RFC 5092 IMAP URLs naming one message or part of it, as CATENATE takes them (RFC 4469 §3):
 *
 *   imapurl-rel = "/" enc-mailbox [uidvalidity] iuid [isection] [ipartial]
 *   imapurl     = "imap://" [enc-user [iauth] "@"] host [":" port] imapurl-rel
 *   uidvalidity = ";UIDVALIDITY=" nz-number       iuid     = "/;UID=" nz-number
 *   isection    = "/;SECTION=" enc-section         ipartial = "/;PARTIAL=" number ["." nz-number]
 *
 * Keys are case-insensitive; mailbox, user and section are %-encoded UTF-8 (RFC 5092 §3.3, §5).
 * URLAUTH (RFC 4467) is not offered, so a URL carrying `;EXPIRE=` or `;URLAUTH=` does not parse.
 * Null for anything else: the caller answers `NO [BADURL …]`.
 */
export interface ImapUrl {
  /** Absolute URLs only: the user and host named (user null when absent). */
  readonly server: { readonly user: string | null; readonly host: string } | null;
  readonly mailbox: string;
  readonly uidValidity: number | null;
  readonly uid: number;
  /** The section spec as in `BODY[…]` ("1.2", "HEADER.FIELDS (SUBJECT)"); null: the whole message. */
  readonly section: string | null;
  readonly partial: { readonly origin: number; readonly count: number } | null;
}

const RELATIVE = /^\/([^;]+?)(?:;UIDVALIDITY=([1-9]\d{0,9}))?\/;UID=([1-9]\d{0,9})(?:\/;SECTION=([^;]+?))?(?:\/;PARTIAL=(\d{1,10})(?:\.([1-9]\d{0,9}))?)?$/i;
const ABSOLUTE = /^imap:\/\/(?:([^@/;]*)(?:;AUTH=[^@/]*)?@)?([^/:@]+)(?::\d{1,5})?(\/.*)$/i;

export function parseImapUrl(text: string): ImapUrl | null {
  const absolute = ABSOLUTE.exec(text);
  const match = RELATIVE.exec(absolute ? absolute[3]! : text);
  if (!match) return null;
  const [, mailbox, uidValidity, uid, section, origin, count] = match;
  const decoded = [percentDecoded(mailbox!), section === undefined ? null : percentDecoded(section)];
  const user = absolute?.[1] ? percentDecoded(absolute[1]) : null;
  if (decoded.includes(undefined) || user === undefined) return null;
  return {
    server: absolute ? { user, host: absolute[2]!.toLowerCase() } : null,
    mailbox: decoded[0]!,
    uidValidity: uidValidity ? Number(uidValidity) : null,
    uid: Number(uid),
    section: decoded[1] ?? null,
    partial: origin === undefined ? null : { origin: Number(origin), count: count ? Number(count) : Number.MAX_SAFE_INTEGER },
  };
}

/** %-decoding to UTF-8 text; undefined for a bad escape or octets that are not UTF-8. */
function percentDecoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
