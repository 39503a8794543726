import type { MessageView } from '../message-view.js';
import { escapeRegex } from '../rules/toml-lines.js';

/**
 * What a mailing list adds to every message it relays: its name in the fields, a "[tag]" in the
 * subject, a footer with its address and web page. All of it is the same for the list's ham and
 * for the spam sent to the list, and the list's ham is most of what was learnt from it: read as
 * the message's own, it makes every list-relayed spam look like ham. Bayes reads it apart
 * (tokenize.ts, header-tokens.ts): the list as one token, the rest not at all.
 */
export interface ListRelay {
  /** The list's local name, lowercase ("ilug" of ilug@linux.ie). */
  readonly name: string;
  /** The footer the list appended to the text, "" when none is found. */
  readonly footer: string;
}

/** How far from the end of the text a list footer starts, and how far above it its separator line. */
const FOOTER_LINES = 15;
const SEPARATOR_REACH = 8;
const SEPARATOR = /^\s*(?:-{2,}|_{5,}|={5,}|-- )\s*$/;

/**
 * The list that relayed a message, or null. RFC 2369 §3.4 List-Post, RFC 2919 §3 List-Id, and the
 * older X-Beenthere (Mailman) and Mailing-List (ezmlm) fields.
 */
export function listRelay(message: Pick<MessageView, 'headers' | 'text'>): ListRelay | null {
  const field = (name: string) => message.headers.get(name)?.[0] ?? '';
  const name =
    /mailto:([^@>\s]+)@/i.exec(field('list-post'))?.[1] ??
    /^<?([^@<>\s]+)@/.exec(field('x-beenthere'))?.[1] ??
    /<([^.<>\s]+)\./.exec(field('list-id'))?.[1] ??
    /\blist\s+([^@\s]+)@/i.exec(field('mailing-list'))?.[1];
  if (name === undefined) return null;
  const lower = name.toLowerCase();
  return { name: lower, footer: listFooter(message.text, lower) };
}

/**
 * The footer: from the first of the last lines that names the list's address or a page of it
 * ("…/listinfo/ilug"), up to the farthest separator line just above (a footer often has a
 * sponsor's block between two rules), to the end.
 */
function listFooter(text: string, name: string): string {
  const lines = text.split('\n');
  const escaped = escapeRegex(name);
  const names = new RegExp(`(?:^|[^\\w.-])${escaped}@|/${escaped}(?![\\w-])`, 'i');
  const from = Math.max(0, lines.length - FOOTER_LINES);
  let start = lines.findIndex((line, i) => i >= from && names.test(line));
  if (start === -1) return '';
  for (let i = start - 1; i >= Math.max(0, start - SEPARATOR_REACH); i--) if (SEPARATOR.test(lines[i]!)) start = i;
  return lines.slice(start).join('\n');
}

/** The text without the list's footer. */
export function withoutListFooter(text: string, relay: ListRelay | null): string {
  return relay === null || relay.footer === '' ? text : text.slice(0, text.length - relay.footer.length);
}

/** The subject without the list's "[tag]" (the list already has its token). */
export function withoutListTag(subject: string, relay: ListRelay | null): string {
  return relay === null ? subject : subject.replace(/\[[^\]]{1,40}\]\s*/, '');
}
