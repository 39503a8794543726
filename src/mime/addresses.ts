/**
 * Address lists (RFC 5322 §3.4, with the obsolete forms of §4.4) into RFC 3501 §7.4.2 address
 * structures, from the raw header value: encoded-words stay as written.
 *
 * Lenient by design, like the readers clients compare us with: a display name may be quoted or
 * not (quotes removed), a comment stands in for a missing display name (`a@b (Ann)`), a missing
 * domain gives a NIL host, a source route becomes the adl, and a group `name: a@b, c@d;` becomes
 * a start marker (mailbox = group name, host NIL), its members and an end marker (both NIL).
 */
import type { EnvelopeAddress } from './types.js';
import { Tokenizer, type Token } from './rfc5322-tokens.js';

/** Addresses read per field: a hostile field of millions of `a,` must not become millions of objects. */
export const MAX_ADDRESSES = 10_000;

/**
 * Addresses read for all the envelopes of one message together (enclosed messages have theirs):
 * the per-field cap alone would still let thousands of enclosed messages hold millions.
 */
export const MAX_MESSAGE_ADDRESSES = 100_000;

/** What is left of MAX_MESSAGE_ADDRESSES while one message is read. */
export class AddressBudget {
  remaining = MAX_MESSAGE_ADDRESSES;
}

const GROUP_END: EnvelopeAddress = Object.freeze({ name: null, adl: null, mailbox: null, host: null });

/**
 * The addresses of the list, or null when there are none (RFC 3501: NIL for an absent or empty
 * field). Reads at most MAX_ADDRESSES, and no more than the budget has left.
 */
export function parseAddressList(value: string, budget: AddressBudget = new AddressBudget()): EnvelopeAddress[] | null {
  const tokens = new Tokenizer(value);
  const out: EnvelopeAddress[] = [];
  const limit = Math.min(MAX_ADDRESSES, budget.remaining);
  let inGroup = false;
  while (out.length < limit) {
    const token = tokens.peek();
    if (!token) break;
    if (token.kind === 'special' && token.text !== '.' && token.text !== '<' && token.text !== '@') {
      tokens.next();
      if (token.text === ';' && inGroup) {
        out.push(GROUP_END);
        inGroup = false;
      }
      continue;
    }
    // A run of words: a display name, a group name, a local part, or a bare name.
    const words = readWords(tokens);
    const next = tokens.peek();
    if (isSpecial(next, ':') && !inGroup) {
      tokens.next();
      // RFC 3501 §7.4.2: group start is mailbox = group name, host NIL (never both NIL: that is the end).
      out.push({ name: null, adl: null, mailbox: words.phrase, host: null });
      inGroup = true;
    } else if (isSpecial(next, '<')) {
      tokens.next();
      const angle = parseAngleAddr(tokens);
      out.push({ name: words.phrase || words.comment || angle.comment, adl: angle.adl, mailbox: angle.mailbox, host: angle.host });
      skipToSeparator(tokens);
    } else if (isSpecial(next, '@')) {
      tokens.next();
      const domain = parseDomain(tokens);
      out.push({ name: words.comment ?? domain.comment, adl: null, mailbox: words.raw, host: domain.host || null });
      skipToSeparator(tokens);
    } else if (words.count > 0) {
      // No `@`: an unqualified local part (RFC 822 allowed it) or a bare name; host is NIL.
      out.push({ name: words.comment, adl: null, mailbox: words.phrase, host: null });
    } else {
      // A stray literal or special: skip it so the loop always advances.
      tokens.next();
    }
  }
  if (inGroup) out.push(GROUP_END);
  budget.remaining -= out.length;
  return out.length > 0 ? out : null;
}

interface Words {
  /** As a display name: quotes removed, whitespace between words kept as one space. */
  readonly phrase: string;
  /** As a local part: exactly as written (quoted strings keep their quotes), without the CFWS between pieces. */
  readonly raw: string;
  readonly count: number;
  /** The first comment among them, a stand-in display name. */
  readonly comment: string | null;
}

function readWords(tokens: Tokenizer): Words {
  let phrase = '';
  let raw = '';
  let count = 0;
  let comment: string | null = null;
  for (let t = tokens.peek(); t; t = tokens.peek()) {
    if (t.kind === 'comment') comment ??= t.text;
    else if (t.kind === 'atom' || t.kind === 'quoted' || isSpecial(t, '.')) {
      phrase += (phrase && t.spaceBefore ? ' ' : '') + t.text;
      raw += rawText(t);
      count++;
    } else break;
    tokens.next();
  }
  return { phrase, raw, count, comment };
}

interface AngleAddr {
  readonly adl: string | null;
  readonly mailbox: string;
  readonly host: string | null;
  readonly comment: string | null;
}

/** `[route ":"] local-part "@" domain ">"` after the `<`; an empty `<>` gives an empty mailbox and host. */
function parseAngleAddr(tokens: Tokenizer): AngleAddr {
  let adl: string | null = null;
  let comment: string | null = null;
  // RFC 5322 §4.4 obs-route: "@a,@b:" before the address; without the colon it was not a route.
  if (isSpecial(tokens.peek(), '@')) {
    const mark = tokens.mark();
    let route = '';
    for (let t = tokens.peek(); t && !isSpecial(t, ':') && !isSpecial(t, '>'); t = tokens.peek()) {
      if (t.kind !== 'comment') route += rawText(t);
      tokens.next();
    }
    if (isSpecial(tokens.peek(), ':')) {
      tokens.next();
      adl = route;
    } else tokens.reset(mark);
  }
  let mailbox = '';
  for (let t = tokens.peek(); t && !isSpecial(t, '@') && !isSpecial(t, '>') && !isSpecial(t, ','); t = tokens.peek()) {
    if (t.kind === 'comment') comment ??= t.text;
    else mailbox += rawText(t);
    tokens.next();
  }
  let host: string | null = null;
  if (isSpecial(tokens.peek(), '@')) {
    tokens.next();
    const domain = parseDomain(tokens);
    host = domain.host;
    comment ??= domain.comment;
  } else if (isSpecial(tokens.peek(), '>') && mailbox === '') {
    host = '';
  }
  if (isSpecial(tokens.peek(), '>')) tokens.next();
  return { adl, mailbox, host, comment };
}

/** Domain after `@`: atoms, dots and domain literals up to the next other special. */
function parseDomain(tokens: Tokenizer): { host: string; comment: string | null } {
  let host = '';
  let comment: string | null = null;
  for (let t = tokens.peek(); t; t = tokens.peek()) {
    if (t.kind === 'comment') comment ??= t.text;
    else if (t.kind === 'atom' || t.kind === 'literal' || isSpecial(t, '.')) host += t.text;
    else break;
    tokens.next();
  }
  return { host, comment };
}

/** After an address: ignore anything up to the `,` or `;` that ends it. */
function skipToSeparator(tokens: Tokenizer): void {
  for (let t = tokens.peek(); t && !isSpecial(t, ',') && !isSpecial(t, ';'); t = tokens.peek()) tokens.next();
}

function rawText(t: Token): string {
  return t.kind === 'quoted' ? t.raw : t.text;
}

function isSpecial(t: Token | null, c: string): boolean {
  return t !== null && t.kind === 'special' && t.text === c;
}
