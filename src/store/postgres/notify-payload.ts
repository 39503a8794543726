import { asAccountId, asMailboxId, asModSeq, asUid, type AccountId, type MailboxChange, type MailboxId, type ModSeq, type Uid } from '../types.js';

/**
 * The text one node sends other nodes for one MailboxChange (docs/postgres.en.md "Change events
 * between nodes"). PostgreSQL 15 NOTIFY: "the payload must be shorter than 8000 bytes" (SQL
 * command reference, NOTIFY), so the UIDs go as ranges (`4:900,902`, as a UID set reads in
 * RFC 9051 §9 sequence-set) and a change whose ranges still do not fit goes as a catch-up notice:
 * the mailbox, the kind, its MODSEQ and the lowest and highest UID, which the receiver turns back
 * into UIDs with a query of the shared store.
 */
export const MAX_PAYLOAD_BYTES = 7999;

type MessageChangeKind = 'append' | 'expunge' | 'flags';

/**
 * What a node hears: an exact change, a message change to look up in the store, or that an
 * account's Sieve scripts were written (src/store/postgres/sieve.ts).
 */
export type ChangeNotice =
  | { readonly node: string; readonly change: MailboxChange }
  | { readonly node: string; readonly scriptsWritten: AccountId }
  | {
      readonly node: string;
      readonly catchUp: {
        readonly kind: MessageChangeKind;
        readonly account: AccountId;
        readonly mailbox: MailboxId;
        readonly modSeq: ModSeq;
        readonly lowest: Uid;
        readonly highest: Uid;
      };
    };

/** Not a MailboxChange kind: the Sieve scripts' notice. */
const SCRIPTS_LETTER = 's';
const KIND_LETTER = { append: 'a', expunge: 'e', flags: 'f', mailboxes: 'b' } as const;
const LETTER_KIND: Readonly<Record<string, keyof typeof KIND_LETTER>> = { a: 'append', e: 'expunge', f: 'flags', b: 'mailboxes' };

export interface EncodedChange {
  readonly payload: string;
  readonly catchUp: boolean;
}

/** The payload for `change` sent by `node`; null for 'external', which each node learns for itself. */
export function encodeChange(node: string, change: MailboxChange): EncodedChange | null {
  if (change.kind === 'external') return null;
  if (change.kind === 'mailboxes') return { payload: JSON.stringify({ n: node, k: KIND_LETTER.mailboxes, a: change.account }), catchUp: false };
  const head = { n: node, k: KIND_LETTER[change.kind], a: change.account, m: change.mailbox, s: change.modSeq };
  const exact = JSON.stringify({ ...head, u: uidRanges(change.uids) });
  if (Buffer.byteLength(exact) <= MAX_PAYLOAD_BYTES) return { payload: exact, catchUp: false };
  const sorted = [...change.uids].sort((x, y) => x - y);
  return { payload: JSON.stringify({ ...head, r: [sorted[0], sorted[sorted.length - 1]] }), catchUp: true };
}

/**
 * The notice that `account`'s Sieve scripts were written, sent by the writing transaction. Bounded:
 * a node id and one address (RFC 5321 §4.5.3.1.3: at most 256 octets).
 */
export function encodeScriptsWritten(node: string, account: AccountId): string {
  return JSON.stringify({ n: node, k: SCRIPTS_LETTER, a: account });
}

/** The notice a payload carries; null for text that is not one of ours (anyone may NOTIFY a channel). */
export function decodeNotice(payload: string): ChangeNotice | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { n: node, k, a, m, s, u, r } = value as Record<string, unknown>;
  if (typeof node === 'string' && k === SCRIPTS_LETTER && typeof a === 'string') return { node, scriptsWritten: asAccountId(a) };
  const kind = typeof k === 'string' ? LETTER_KIND[k] : undefined;
  if (typeof node !== 'string' || kind === undefined || typeof a !== 'string') return null;
  const account = asAccountId(a);
  if (kind === 'mailboxes') return { node, change: { kind, account } };
  if (!isCount(m) || !isCount(s)) return null;
  const mailbox = asMailboxId(m);
  const modSeq = asModSeq(s);
  if (typeof u === 'string') {
    const uids = parseUidRanges(u);
    return uids === null ? null : { node, change: { kind, account, mailbox, modSeq, uids } };
  }
  if (Array.isArray(r) && r.length === 2 && isCount(r[0]) && isCount(r[1])) {
    return { node, catchUp: { kind, account, mailbox, modSeq, lowest: asUid(r[0]), highest: asUid(r[1]) } };
  }
  return null;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

/** `1:3,7,9:10` for [1, 2, 3, 7, 9, 10] (any order in, ascending out). */
function uidRanges(uids: readonly Uid[]): string {
  const sorted = [...uids].sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[i] === sorted[j] ? String(sorted[i]) : `${sorted[i]}:${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function parseUidRanges(text: string): Uid[] | null {
  if (text === '') return [];
  const uids: Uid[] = [];
  for (const part of text.split(',')) {
    const [from, to = from] = part.split(':').map(Number);
    if (!isCount(from) || !isCount(to) || to < from) return null;
    for (let uid = from; uid <= to; uid++) uids.push(asUid(uid));
  }
  return uids;
}
