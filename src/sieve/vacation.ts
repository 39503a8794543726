import { createHash, randomUUID } from 'node:crypto';
import { parseAddressList } from '../mime/index.js';
import type { VacationSpec } from './program.js';
import type { SieveMessage } from './types.js';

/**
 * Out-of-office replies: RFC 5230 (the vacation action) within RFC 3834 (automatic responses).
 * vacationDecision is pure and runs with the script (on the worker); the once-per-sender record
 * and the spam verdict are checked by the caller, which has the store.
 */

/**
 * Why no automatic message (an out-of-office reply, or a rejection's DSN) may answer this
 * message, or null: RFC 3834 §2 (null or program senders, Auto-Submitted, Precedence, lists).
 */
export function automaticAnswerRefused(message: SieveMessage): string | null {
  const sender = message.envelope.from.toLowerCase();
  if (sender === '') return 'null sender';
  if (PROGRAM_SENDER.test(sender.slice(0, sender.lastIndexOf('@')))) return 'sender is a program';
  const field = (name: string) => message.headers.find((h) => h.name === name)?.value.trim() ?? null;
  const autoSubmitted = field('auto-submitted');
  if (autoSubmitted !== null && autoSubmitted.toLowerCase() !== 'no') return 'Auto-Submitted';
  if (BULK_PRECEDENCE.test(field('precedence') ?? '')) return 'Precedence';
  if (message.headers.some((h) => h.name.startsWith('list-'))) return 'list message';
  return null;
}

/** RFC 5230 §4.6 (and the city's reserved names): senders that are programs, never people. */
const PROGRAM_SENDER = /^(mailer-daemon|no-?reply|owner-.*|.*-request|listserv|majordomo)$/i;
/** RFC 3834 §2: Precedence values that mark mail nobody should answer. */
const BULK_PRECEDENCE = /^(bulk|list|junk)$/i;
/** RFC 5230 §4.5: the fields in which the recipient must be named. */
const RECIPIENT_FIELDS = new Set(['to', 'cc', 'resent-to', 'resent-cc']);
/** Vietnamese default subject prefix (RFC 5230 §4.7 leaves the wording to the implementation). */
const DEFAULT_SUBJECT_PREFIX = 'Trả lời tự động: ';

export interface VacationReply {
  /** Who gets the reply: the envelope sender (RFC 5230 §4.4). */
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly inReplyTo: string | null;
  readonly references: string | null;
  readonly reason: string;
  readonly mime: boolean;
  readonly periodSeconds: number;
  /** RFC 5230 §4.2: replies with the same handle count as one for the period. */
  readonly handle: string;
}

export type VacationDecision = { readonly kind: 'reply'; readonly reply: VacationReply } | { readonly kind: 'none'; readonly why: string };

/** Whether the message may be answered (RFC 3834 §2, RFC 5230 §4.5–4.6), and the reply if so. */
export function vacationDecision(spec: VacationSpec, message: SieveMessage, ownAddresses: readonly string[]): VacationDecision {
  const sender = message.envelope.from.toLowerCase();
  const own = new Set([...ownAddresses, ...spec.addresses].map((a) => a.toLowerCase()));
  const refused = automaticAnswerRefused(message);
  if (refused !== null) return { kind: 'none', why: refused };
  if (own.has(sender)) return { kind: 'none', why: 'sender is the recipient' };
  const field = (name: string) => message.headers.find((h) => h.name === name)?.value.trim() ?? null;
  if (!namesRecipient(message, own)) return { kind: 'none', why: 'recipient not in To/Cc' };
  const messageId = field('message-id');
  const references = field('references');
  const original = field('subject') ?? '';
  return {
    kind: 'reply',
    reply: {
      to: sender,
      from: ownFrom(spec.from, own) ?? ownAddresses[0] ?? message.envelope.to,
      subject: spec.subject ?? `${DEFAULT_SUBJECT_PREFIX}${original}`,
      inReplyTo: messageId,
      // RFC 5322 §3.6.4: the parent's References (or In-Reply-To) followed by its Message-ID.
      references: messageId === null ? references : [references ?? field('in-reply-to'), messageId].filter(Boolean).join(' '),
      reason: spec.reason,
      mime: spec.mime,
      periodSeconds: spec.periodSeconds,
      handle: spec.handle ?? createHash('sha256').update(`${spec.subject ?? ''}\n${spec.from ?? ''}\n${spec.mime}\n${spec.reason}`).digest('hex').slice(0, 32),
    },
  };
}

/** RFC 5230 §4.4 lets the site restrict :from: only one of the official's own addresses, never another's name. */
function ownFrom(from: string | null, own: ReadonlySet<string>): string | null {
  if (from === null) return null;
  const [address] = parseAddressList(from) ?? [];
  const spec = address?.mailbox && address.host ? `${address.mailbox}@${address.host}`.toLowerCase() : null;
  return spec !== null && own.has(spec) ? from : null;
}

function namesRecipient(message: SieveMessage, own: ReadonlySet<string>): boolean {
  for (const header of message.headers) {
    if (!RECIPIENT_FIELDS.has(header.name)) continue;
    for (const address of parseAddressList(header.value) ?? []) {
      if (address.mailbox !== null && address.host !== null && own.has(`${address.mailbox}@${address.host}`.toLowerCase())) return true;
    }
  }
  return false;
}

/** The reply message (RFC 3834 §3.1–3.2, RFC 5230 §5): auto-replied, threaded under the original. */
export function composeVacationReply(reply: VacationReply, hostname: string, now: Date): Buffer {
  const lines = [
    `From: ${reply.from}`,
    `To: ${reply.to}`,
    `Subject: ${encodeWord(reply.subject)}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomUUID()}@${hostname}>`,
    ...(reply.inReplyTo ? [`In-Reply-To: ${reply.inReplyTo}`] : []),
    ...(reply.references ? [`References: ${reply.references}`] : []),
    'Auto-Submitted: auto-replied (vacation)',
    'MIME-Version: 1.0',
  ];
  // RFC 5230 §4.8 :mime: the reason is a MIME entity, its own header fields first.
  if (reply.mime) return Buffer.from(`${lines.join('\r\n')}\r\n${reply.reason.replace(/\r?\n/g, '\r\n')}`, 'utf8');
  lines.push('Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64');
  const body = (Buffer.from(reply.reason.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}\r\n`, 'utf8');
}

/** RFC 2047 encoded-word for a non-ASCII subject (UTF-8, base64), split to keep each word short. */
function encodeWord(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  const words: string[] = [];
  let chunk = '';
  for (const char of clean) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}
