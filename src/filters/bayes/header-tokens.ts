import { urlHost, type MessageView } from '../message-view.js';
import { escapeRegex } from '../rules/toml-lines.js';
import type { ListRelay } from './list-relay.js';

/**
 * Tokens from how a message was made and sent, beside its words: senders write the words, but
 * their software writes the headers and the MIME structure, and bulk software writes them the
 * same way every time (SpamBayes' "mine the headers" finding: header tokens halve its errors).
 * Every token has a prefix of its own, so "free" in a header is not "free" in the body.
 *
 * Our own X-Spam-* / X-Virus-* headers are never read: learning from them would teach Bayes the
 * filter's earlier opinion.
 */

/** `relay`: the list that relayed the message (list-relay.ts), or null. */
export function headerTokens(message: MessageView, relay: ListRelay | null, add: (token: string) => void): void {
  const received = message.headers.get('received') ?? [];
  if (relay === null) addReceived(received, add);
  else addListRelayed(relay.name, received, add);
  addSenders(message, add, relay !== null);
  addMessageId(message.headers.get('message-id')?.[0], add);

  const mailer = message.headers.get('x-mailer')?.[0] ?? message.headers.get('user-agent')?.[0];
  if (mailer) {
    add(`mailer:${mailer.toLowerCase().split(/[\s/]/)[0]}`);
    // The version too, with digits kept: a bulk tool's exact build is a fingerprint.
    add(`mailer-full:${mailer.toLowerCase().slice(0, 60)}`);
  } else add('mailer:none');

  addDate(message.headers.get('date')?.[0], add);
  addStructure(message, add);
  // A list footer's links are the list's (list-relay.ts).
  addUrls(relay === null || relay.footer === '' ? message.urls : message.urls.filter((url) => !relay.footer.includes(url)), add);
}

/** RFC 5321 §4.4: each relay prepends a Received line; the chain's length and each hop's shape. */
function addReceived(received: readonly string[], add: (token: string) => void): void {
  add(`rcvd:count:${bucket(received.length)}`);
  for (const line of received.slice(0, 8)) {
    const from = /\bfrom\s+(\S+)/i.exec(line)?.[1]?.toLowerCase();
    if (from) add(`rcvd:from:${domainOf(from)}`);
    const ip = /\[(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}\]/.exec(line);
    if (ip) {
      add(`rcvd:ip:${ip[1]}.${ip[2]}`);
      add(`rcvd:ip:${ip[1]}.${ip[2]}.${ip[3]}`);
    }
    const by = /\bby\s+(\S+)/i.exec(line)?.[1]?.toLowerCase();
    if (by) add(`rcvd:by:${domainOf(by)}`);
    const protocol = /\bwith\s+([A-Za-z0-9-]+)/.exec(line)?.[1]?.toLowerCase();
    if (protocol) add(`rcvd:with:${protocol}`);
    if (!/\(/.test(line)) add('rcvd:no-comment');
  }
}

/**
 * A message a list relayed (list-relay.ts): the list server's hops (and the recipient's own, above
 * them) are the same for the list's ham and for the spam sent to it. The list is one token of its
 * own; the Received chain is read
 * from the hop where the message reached the list (the deepest one "for <list@…>", RFC 5321
 * §4.4) down: the original sender's client, its relays and their software. Without such a hop
 * the whole chain is read, as for any message.
 */
function addListRelayed(list: string, received: readonly string[], add: (token: string) => void): void {
  add(`list:${list}`);
  const addressed = new RegExp(`\\bfor\\s+<?${escapeRegex(list)}@`, 'i');
  const entry = received.findLastIndex((line) => addressed.test(line));
  if (entry === -1) return addReceived(received, add);
  addReceived([received[entry]!.replace(/\bby\s[\s\S]*$/i, ''), ...received.slice(entry + 1)], add);
}

/**
 * From, Reply-To, Return-Path and Sender domains, and whether they agree. `viaList`: a list's
 * Sender and Return-Path name the list, not the author (RFC 2369 §1), so they are not read.
 */
function addSenders(message: MessageView, add: (token: string) => void, viaList: boolean): void {
  const fromDomain = domainOfAddress(message.fromAddress);
  add(fromDomain ? `from:${fromDomain}` : 'from:none');
  const name = /^\s*"?([^"<]*)"?\s*</.exec(message.from)?.[1]?.trim() ?? '';
  add(name === '' ? 'from:no-name' : /@/.test(name) ? 'from:name-is-address' : 'from:named');
  const local = message.fromAddress.split('@')[0] ?? '';
  if (/\d{3,}/.test(local)) add('from:local-digits');
  for (const [header, prefix] of [['reply-to', 'reply-to'], ['return-path', 'return-path'], ['sender', 'sender']] as const) {
    if (viaList && header !== 'reply-to') continue;
    const value = message.headers.get(header)?.[0];
    if (value === undefined) continue;
    const domain = domainOfAddress(/[^\s<>"]+@[^\s<>"]+/.exec(value)?.[0] ?? '');
    if (domain) add(`${prefix}:${domain}`);
    add(`${prefix}:${domain === fromDomain ? 'same-as-from' : 'differs-from-from'}`);
  }
}

/** RFC 5322 §3.6.4: "<left@right>"; the right side names the host (or the software) that made it. */
function addMessageId(id: string | undefined, add: (token: string) => void): void {
  if (id === undefined) return add('msgid:none');
  const match = /<([^<>@]*)@([^<>]*)>/.exec(id);
  if (!match) return add('msgid:malformed');
  add(`msgid:${domainOf(match[2]!.toLowerCase())}`);
  // The left side's shape: "3E8F1A2B.0004C2D1" and "20020823.1234.abc" come from different software.
  add(`msgid:shape:${match[1]!.replace(/[0-9]+/g, '9').replace(/[a-z]+/g, 'a').replace(/[A-Z]+/g, 'A').slice(0, 24)}`);
}

/**
 * RFC 5322 §3.3: the Date field's shape with its digits and letters reduced ("Aa, 99 Aa 9999
 * 99:99:99 +9999"): mail software writes one shape every time, and bulk tools write odd ones
 * (no weekday, two-digit years, no zone, a zone name instead of an offset). Measured in the
 * corpus' cross-validation (bench/spam.ts) at junk_at 4: 1 more of 983 spam caught, the same false
 * positives; one token per field name present instead cost 5 spam.
 */
function addDate(date: string | undefined, add: (token: string) => void): void {
  if (date === undefined) return add('date:none');
  add(`date:shape:${date.trim().replace(/[0-9]/g, '9').replace(/[a-z]+/g, 'a').replace(/[A-Z]/g, 'A').slice(0, 40)}`);
}

function addStructure(message: MessageView, add: (token: string) => void): void {
  const { parts, hiddenText, images, plainLength, htmlLength } = message.structure;
  const types = parts.map((p) => p.type || 'none');
  add(`ct:${types[0]}`);
  add(`mime:${types.slice(0, 6).join('>')}`);
  for (const part of parts) {
    add(`part:${part.type || 'none'}:${part.encoding || '7bit'}`);
    if (part.charset) add(`charset:${part.charset}`);
    const ext = /\.([a-z0-9]{1,8})$/i.exec(part.filename)?.[1];
    if (ext) add(`att-ext:${ext.toLowerCase()}`);
  }
  for (const attachment of message.attachments) add(`att:${attachment.type}`);
  // Not one token per HTML tag: measured in cross-validation (bench/spam.ts), dozens of correlated
  // tag tokens pushed commercial-looking ham to p = 1 (recall at 0.2 % FP fell from 93.7 % to
  // 88.6 %); the structural rules read the tags instead.
  if (hiddenText) add('html:hidden-text');
  if (htmlLength > 0 && plainLength === 0) add('html:only');
  if (images > 0) add(`html:images:${bucket(images)}`);
  // Image spam: a picture and almost no words to read.
  if (images > 0 && message.text.trim().length < 200) add('html:image-only');
  if (message.parseProblem !== null) add('mime:unparsable');
}

function addUrls(urls: readonly string[], add: (token: string) => void): void {
  add(`url-count:${bucket(urls.length)}`);
  for (const url of urls) {
    const host = urlHost(url);
    if (host === null) continue;
    // "login.bank.example.vn" also yields "bank.example.vn" and "example.vn".
    const labels = host.split('.');
    for (let i = 0; i < labels.length - 1; i++) add(`url:${labels.slice(i).join('.')}`);
    if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) add('url:numeric-ip');
    const rest = /^(?:https?:\/\/)?[^/?#]+(.*)$/i.exec(url)?.[1] ?? '';
    for (const segment of rest.split(/[/?#&=.]+/).slice(0, 6)) {
      if (segment.length >= 2 && segment.length <= 20 && !/^\d+$/.test(segment)) add(`url-path:${segment.toLowerCase()}`);
    }
    if (/[?&][^=]*=/.test(rest)) add('url:query');
    if (/%[0-9a-f]{2}/i.test(host + rest.slice(0, 40))) add('url:escaped');
    if (/@/.test(url.split('/')[2] ?? '')) add('url:userinfo');
  }
}

/** The last two labels of a host ("mail.example.co.uk" → "co.uk" would lose it: three when the second-last is short). */
function domainOf(host: string): string {
  const clean = host.replace(/[^a-z0-9.-]/g, '').replace(/\.$/, '');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(clean)) return 'ip';
  const labels = clean.split('.');
  const keep = labels.length >= 3 && labels[labels.length - 2]!.length <= 3 ? 3 : 2;
  return labels.slice(-keep).join('.') || 'none';
}

function domainOfAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : domainOf(address.slice(at + 1).toLowerCase().replace(/>$/, ''));
}

/** 0, 1, 2, 3–4, 5–8, 9–16, …: counts as a few classes. */
function bucket(n: number): number {
  return n <= 2 ? n : 2 ** Math.ceil(Math.log2(n));
}
