import addressparser from 'nodemailer/lib/addressparser';
import { encodeWord, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import type { DirectoryService } from '../directory/index.js';
import type { Identity } from '../directory/index.js';
import { parseAddressList } from '../mime/index.js';
import { decodeEncodedWords } from '../text/index.js';
import { asciiDomain } from './address.js';
import { fieldValues, headerFields, type HeaderField } from './headers.js';
import { replies } from './reply.js';

/** MAIL FROM on submission: the official's own address or a unit they may send as; never `<>`. */
export function checkEnvelopeSender(directory: DirectoryService, identity: Identity, address: string): void {
  // A login made before a password reset or a unit suspension sends nothing more (docs/architecture.md "Password lifecycle").
  if (directory.revalidate(identity) === null) throw replies.loginWithdrawn();
  if (address === '' || !directory.canSendAs(identity.person, address)) throw replies.notAllowedSender();
}

/** From: values whose authors a thread keeps (fromAuthors); past it the table starts over (bounded memory). */
const AUTHORS_KEPT = 5_000;
/** Longer values are read each time: an ordinary From: is far shorter. */
const KEPT_VALUE_CHARS = 1_000;
const keptAuthors = new Map<string, readonly string[]>();

/**
 * The addresses a From: value names, read both by nodemailer's addressparser and by the store's
 * RFC 5322 reader, whose ENVELOPE IMAP clients display. The two differ on malformed values
 * (`annv@cantho.gov.vn <binhtt@cantho.gov.vn>` is binhtt to the first and annv to the second),
 * so an address must pass the policy under both readings. Group markers (no host) are skipped.
 *
 * The answer depends on the value alone, and a sender's messages repeat their From: value: it is
 * kept per thread (AUTHORS_KEPT values of at most KEPT_VALUE_CHARS): the two readings took 20–40 µs
 * of a worker's time per MX message, a few per cent of its inspection.
 */
export function fromAuthors(value: string): readonly string[] {
  let authors = keptAuthors.get(value);
  if (authors === undefined) {
    authors = readAuthors(value);
    if (value.length <= KEPT_VALUE_CHARS) {
      if (keptAuthors.size >= AUTHORS_KEPT) keptAuthors.clear();
      keptAuthors.set(value, authors);
    }
  }
  return authors;
}

function readAuthors(value: string): readonly string[] {
  const lenient = addressparser(value, { flatten: true }).map((a) => a.address.toLowerCase());
  const envelope = (parseAddressList(value) ?? []).filter((a) => a.mailbox !== null && a.host !== null).map((a) => `${a.mailbox}@${a.host}`.toLowerCase());
  return Object.freeze([...new Set([...lenient, ...envelope])]);
}

// An address inside a display name: what a reader's client shows instead of the real address.
// The domain runs over what IDNA (UTS #46) may map into a label — letters, digits, marks,
// hyphens, dots and invisible format characters — so "annv@cantho.gov.vn—Văn phòng" ends at the dash.
const ADDRESS_IN_TEXT = /[^\s"'<>()\[\],;:@]+@([\p{L}\p{N}\p{M}\p{Cf}.\u3002\uff61-]+)/gu;

/**
 * `From: "annv@cantho.gov.vn" <binhtt@cantho.gov.vn>`: many clients show only the display name,
 * so a name that reads as another official's address is impersonation even though the address
 * is the sender's own. Names are read decoded (RFC 2047 encoded words), with look-alike forms
 * folded (NFKC: a full-width "＠" is "@"), and domains in A-labels.
 */
function impersonatingDisplayName(directory: DirectoryService, identity: Identity, value: string): boolean {
  return addressparser(value, { flatten: true }).some(({ name }) =>
    [...decodeEncodedWords(name).normalize('NFKC').matchAll(ADDRESS_IN_TEXT)].some(([address, domain]) => {
      // Punctuation after the address ("annv@cantho.gov.vn." or "—") is not part of what the reader sees as the domain.
      const ascii = asciiDomain(domain!.replace(/[^\p{L}\p{N}]+$/u, ''));
      if (!directory.isLocalDomain(ascii)) return false;
      return !directory.canSendAs(identity.person, `${address.slice(0, address.lastIndexOf('@'))}@${ascii}`.toLowerCase());
    }),
  );
}

/** What a submitted message's header needs changed: fields to take out, and fields to put on top. */
export interface HeaderEdits {
  /** In message order (headers.ts headerFields). */
  readonly dropped: readonly HeaderField[];
  readonly added: readonly string[];
}

/**
 * The From: header of a submitted message must name only addresses the official may use. When
 * one of them belongs to another account (a unit the person sends as), RFC 5322 §3.6.2 wants a
 * Sender: field naming the person who actually sent it; any Sender: the client wrote is replaced,
 * so nobody can claim to be someone else there either. `header` is the message's header block
 * (the edits' offsets are the message's); the body is never read, so a spooled message stays in
 * its file.
 */
export function fromPolicyEdits(directory: DirectoryService, identity: Identity, header: Buffer): HeaderEdits {
  const fromValues = fieldValues(header, 'from');
  if (fromValues.length !== 1) throw replies.notAllowedFromHeader();
  const authors = fromAuthors(fromValues[0]!);
  if (authors.length === 0 || authors.some((address) => !directory.canSendAs(identity.person, address))) {
    throw replies.notAllowedFromHeader();
  }
  if (impersonatingDisplayName(directory, identity, fromValues[0]!)) throw replies.impersonatingDisplayName();
  const dropped = headerFields(header).filter((field) => field.name === 'sender');
  const onBehalf = authors.some((address) => {
    const resolution = directory.resolveRecipient(address);
    return !resolution.ok || resolution.account !== identity.person;
  });
  if (!onBehalf) return { dropped, added: [] };
  const name = directory.displayName(identity.person) ?? identity.displayName;
  // RFC 2047 §5: a Vietnamese name goes into the phrase as encoded words.
  const phrase = isPlainText(name) ? quoteString(name) : encodeWord(name, 'Q', 52);
  return { dropped, added: [`Sender: ${phrase} <${identity.person}>`] };
}
