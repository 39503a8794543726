/**
 * The SEARCH evaluator (index, scans, flags, dates, sizes, sets, NOT/OR) against a naive
 * reference written straight from RFC 3501 §6.4.4: random messages in a real store, random search
 * keys, the same set of messages. The reference tests each message by plain string containment on
 * the texts the test itself wrote into the message, folded for Vietnamese as the index is.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeSearch } from '../../src/imap/search/execute.js';
import type { SearchKey } from '../../src/imap/search/query.js';
import type { SequenceSet } from '../../src/imap/sequence-set.js';
import { asAccountId, type MailboxId } from '../../src/store/types.js';
import { foldVietnamese } from '../../src/text/vietnamese.js';
import { openTestStore, type TestStore } from '../store/helpers.js';

const account = asAccountId('fuzz@cantho.gov.vn');
/** Few characters, so that random strings are often found: letters with and without diacritics, case, punctuation, space. */
const CHARS = ['a', 'b', 'A', 'ă', 'đ', 'Đ', 'ệ', 'e', '@', '.', '-', '%', '*', ' '];
const text = (maxLength: number) => fc.array(fc.constantFrom(...CHARS), { maxLength }).map((cs) => cs.join(''));
const word = fc.array(fc.constantFrom('a', 'b', 'e', 'x'), { minLength: 1, maxLength: 4 }).map((cs) => cs.join(''));
const MONTHS = ['Jan', 'Feb', 'Mar'];
const FLAGS = ['\\Seen', '\\Flagged', '\\Deleted', '$a'];

interface FuzzMessage {
  readonly from: string;
  readonly to: string;
  readonly cc: string | null;
  readonly subject: string;
  readonly tags: readonly string[];
  readonly body: string;
  readonly sentDay: { readonly month: number; readonly day: number };
  readonly internalDay: { readonly month: number; readonly day: number };
  readonly flags: readonly string[];
  readonly recent: boolean;
}

const dayOf = fc.record({ month: fc.integer({ min: 0, max: 2 }), day: fc.integer({ min: 1, max: 3 }) });
const messageArb: fc.Arbitrary<FuzzMessage> = fc.record({
  from: fc.tuple(word, word).map(([l, d]) => `${l}@${d}.vn`),
  to: fc.tuple(word, word).map(([l, d]) => `${l}@${d}.vn`),
  cc: fc.option(fc.tuple(word, word).map(([l, d]) => `${l}@${d}.vn`)),
  subject: text(12),
  tags: fc.array(text(6), { maxLength: 2 }),
  body: text(30),
  sentDay: dayOf,
  internalDay: dayOf,
  flags: fc.subarray(FLAGS),
  recent: fc.boolean(),
});

function headerLines(m: FuzzMessage): Array<[name: string, value: string]> {
  return [
    ['from', m.from],
    ['to', m.to],
    ...(m.cc === null ? [] : [['cc', m.cc] as [string, string]]),
    ['subject', m.subject],
    ['date', `${m.sentDay.day} ${MONTHS[m.sentDay.month]} 2026 10:00:00 +0700`],
    ...m.tags.map((tag) => ['x-tag', tag] as [string, string]),
  ];
}

/** Written into every message after the fuzzed fields. */
const FIXED_HEADER_LINES = ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'];

function rawOf(m: FuzzMessage): Buffer {
  const head = headerLines(m).map(([name, value]) => `${name === 'x-tag' ? 'X-Tag' : name[0]!.toUpperCase() + name.slice(1)}: ${value}`);
  return Buffer.from([...head, ...FIXED_HEADER_LINES, '', m.body, ''].join('\r\n'));
}

const dayNumber = (d: { month: number; day: number }) => 20260000 + (d.month + 1) * 100 + d.day;

// --- search keys --------------------------------------------------------------------------
const setArb: fc.Arbitrary<SequenceSet> = fc.array(
  fc.tuple(fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant('*' as const)), fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant('*' as const))).map(([from, to]) => ({ from, to })),
  { minLength: 1, maxLength: 3 },
);
const leaf: fc.Arbitrary<SearchKey> = fc.oneof(
  fc.constant<SearchKey>({ kind: 'all' }),
  fc.record({ kind: fc.constant('flag' as const), flag: fc.constantFrom(...FLAGS, '\\seen', '$A'), present: fc.boolean() }),
  fc.record({ kind: fc.constant('recent' as const), present: fc.boolean() }),
  fc.record({ kind: fc.constant('sequence' as const), set: setArb }),
  fc.record({ kind: fc.constant('uid' as const), set: setArb }),
  fc.record({ kind: fc.constant('text' as const), field: fc.constantFrom('text', 'body', 'subject', 'from', 'to', 'cc', 'bcc'), value: text(5) }),
  fc.record({ kind: fc.constant('header' as const), name: fc.constantFrom('X-Tag', 'subject', 'CC', 'X-None'), value: text(4) }),
  fc.record({
    kind: fc.constant('date' as const),
    of: fc.constantFrom('internal', 'sent'),
    compare: fc.constantFrom('before', 'on', 'since'),
    day: dayOf.map(dayNumber),
  }),
  fc.record({ kind: fc.constant('size' as const), compare: fc.constantFrom('larger', 'smaller'), octets: fc.integer({ min: 150, max: 260 }) }),
  fc.record({ kind: fc.constant('modseq' as const), modSeq: fc.integer({ min: 1, max: 15 }) }),
) as fc.Arbitrary<SearchKey>;
const keyArb: fc.Arbitrary<SearchKey> = fc.letrec<{ key: SearchKey }>((tie) => ({
  key: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    tie('key').map((key) => ({ kind: 'not', key }) as SearchKey),
    fc.tuple(tie('key'), tie('key')).map(([left, right]) => ({ kind: 'or', left, right }) as SearchKey),
    fc.array(tie('key'), { minLength: 1, maxLength: 3 }).map((keys) => ({ kind: 'and', keys }) as SearchKey),
  ),
})).key;

// --- the naive reference --------------------------------------------------------------------
interface Stored {
  readonly message: FuzzMessage;
  readonly seq: number;
  readonly uid: number;
  readonly modSeq: number;
  readonly size: number;
}

/** RFC 5322 §2.2.3: a field's value is read without the white space around it. */
const storedHeaderLines = (m: FuzzMessage) => headerLines(m).map(([name, value]) => [name, value.replace(/^ +| +$/g, '')] as const);

const contains = (haystack: string, needle: string) => foldVietnamese(haystack).includes(foldVietnamese(needle));

function inSet(set: SequenceSet, n: number, star: number): boolean {
  return set.some(({ from, to }) => {
    const a = from === '*' ? star : from;
    const b = to === '*' ? star : to;
    return Math.min(a, b) <= n && n <= Math.max(a, b);
  });
}

function referenceMatches(key: SearchKey, s: Stored, all: readonly Stored[]): boolean {
  const m = s.message;
  switch (key.kind) {
    case 'all':
      return true;
    case 'flag':
      return m.flags.some((f) => f.toLowerCase() === key.flag.toLowerCase()) === key.present;
    case 'recent':
      return m.recent === key.present;
    case 'sequence':
      return inSet(key.set, s.seq, all.length);
    case 'uid':
      return inSet(key.set, s.uid, all.at(-1)!.uid);
    case 'text': {
      const headers = storedHeaderLines(m);
      const fieldText: Record<typeof key.field, string[]> = {
        // TEXT looks at the whole header, so the fields rawOf adds for every message count too.
        text: [...headers.map(([n, v]) => `${n}: ${v}`), ...FIXED_HEADER_LINES, m.body],
        body: [m.body],
        subject: [headers.find(([n]) => n === 'subject')![1]],
        from: [m.from],
        to: [m.to],
        cc: m.cc === null ? [] : [m.cc],
        bcc: [],
        header: [],
      };
      return key.value === '' || fieldText[key.field].some((t) => contains(t, key.value));
    }
    case 'header':
      return storedHeaderLines(m).some(([name, value]) => name === key.name.toLowerCase() && contains(value, key.value));
    case 'date': {
      const day = dayNumber(key.of === 'internal' ? m.internalDay : m.sentDay);
      return key.compare === 'before' ? day < key.day : key.compare === 'on' ? day === key.day : day >= key.day;
    }
    case 'size':
      return key.compare === 'larger' ? s.size > key.octets : s.size < key.octets;
    case 'modseq':
      return s.modSeq >= key.modSeq;
    case 'not':
      return !referenceMatches(key.key, s, all);
    case 'or':
      return referenceMatches(key.left, s, all) || referenceMatches(key.right, s, all);
    case 'and':
      return key.keys.every((k) => referenceMatches(k, s, all));
  }
}

let t: TestStore;
beforeAll(async () => {
  t = openTestStore();
  await t.store.ensureAccount(account);
});
afterAll(async () => {
  await t.cleanup();
});

describe('SEARCH evaluator against a naive reference (RFC 3501 §6.4.4)', () => {
  it('finds the same messages for random messages and random keys', async () => {
    let mailboxNumber = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(messageArb, { minLength: 1, maxLength: 8 }), fc.array(keyArb, { minLength: 1, maxLength: 6 }), async (messages, keys) => {
        const mailbox = (await t.store.createMailbox(account, `fuzz${++mailboxNumber}`)).id as MailboxId;
        for (const m of messages) {
          await t.store.append(mailbox, rawOf(m), { flags: m.flags, internalDate: new Date(2026, m.internalDay.month, m.internalDay.day, 12) });
        }
        const rows = await t.store.listMessages(mailbox);
        const stored = rows.map((row, i) => ({ message: messages[i]!, seq: i + 1, uid: row.uid, modSeq: row.modSeq, size: row.size }));
        const recent = new Set(stored.filter((s) => s.message.recent).map((s) => s.uid));
        for (const key of keys) {
          // The whole path: index lookups, the candidate rows they bound, then the evaluator.
          const { seqs: found } = await executeSearch(t.store, {
            mailbox,
            uids: rows.map((r) => r.uid),
            recent: [...recent],
            key,
            order: { kind: 'ascending' },
          });
          const expected = stored.filter((s) => referenceMatches(key, s, stored)).map((s) => s.seq);
          expect(found, JSON.stringify(key)).toEqual(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});
