/**
 * RFC 5256 §3 SORT / UID SORT, RFC 5957 SORT=DISPLAY and RFC 5267 ESORT, with exact replies over a
 * raw socket, and Python's imaplib (`IMAP4.sort`) as a real client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseSubject } from '../../src/imap/search/base-subject.js';
import { imaplibInInbox, startMessageTestBed, type MessageTestBed } from './message-fixtures.js';

function mail(from: string, to: string, subject: string, date: string, body = 'x', cc?: string): string {
  return [`From: ${from}`, `To: ${to}`, ...(cc ? [`Cc: ${cc}`] : []), `Subject: ${subject}`, `Date: ${date}`, '', body, ''].join('\r\n');
}

let bed: MessageTestBed;
const uids: number[] = [];

beforeAll(async () => {
  bed = await startMessageTestBed();
  const messages = [
    // 1: Vietnamese display name; sorts with "Dao" by its folded form.
    mail('"Đào Thị Mai" <mai@cantho.gov.vn>', 'zeta@example.org', 'Re: Báo cáo', 'Tue, 3 Nov 2026 10:00:00 +0700', 'a'.repeat(300), 'b@example.org'),
    // 2: no display name: DISPLAYFROM is the address.
    mail('bob@example.org', '"An" <an@example.org>', '[tổ 1] Fwd: báo cáo (fwd)', 'Mon, 2 Nov 2026 09:00:00 +0000', 'b', 'a@example.org'),
    // 3: an invalid Date: sorted by its internal date.
    mail('"Dao An" <anh@example.org>', 'Y@example.org', 'Zebra', 'not a date', 'c'.repeat(100)),
    // 4: the same instant as 2 in another zone: the tie goes to mailbox order.
    mail('"Anh Ba" <Carl@example.org>', 'x@example.org', 'Lịch họp', 'Mon, 2 Nov 2026 16:00:00 +0700', 'd'.repeat(50)),
  ];
  for (const [i, m] of messages.entries()) uids.push(await bed.deliver(m, { internalDate: new Date(Date.UTC(2026, 10, 10 - i)) }));
});
afterAll(async () => {
  await bed?.close();
});

describe('base subject (RFC 5256 §2.1)', () => {
  it.each([
    ['Re: Báo cáo', 'Báo cáo', true],
    ['RE: re:Fwd:  [list] Re: hello (fwd)', 'hello', true],
    ['[tổ 1] Fwd: báo cáo (fwd)', 'báo cáo', true],
    ['[fwd: Re: [x] lịch]', 'lịch', true],
    ['[only a blob]', '[only a blob]', false],
    ['  plain   subject\t ', 'plain subject', false],
    ['=?utf-8?B?UmU6IFRoxrAgbeG7nWk=?=', 'Thư mời', true],
    ['', '', false],
  ])('%j → %j', (raw, text, replyOrForward) => {
    expect(baseSubject(raw)).toEqual({ text, replyOrForward });
  });
});

describe('SORT', () => {
  it('sorts by each key, REVERSE, and several keys (exact replies)', async () => {
    const client = await bed.login('INBOX');
    const sort = async (criteria: string) => (await client.command('S', `SORT ${criteria}`))[0];
    expect(await sort('(ARRIVAL) UTF-8 ALL')).toBe('* SORT 4 3 2 1');
    expect(await sort('(REVERSE ARRIVAL) UTF-8 ALL')).toBe('* SORT 1 2 3 4');
    // 3 has no valid Date: its internal date (7 Nov) counts; 2 and 4 are the same instant: mailbox order.
    expect(await sort('(DATE) US-ASCII ALL')).toBe('* SORT 2 4 1 3');
    expect(await sort('(SIZE) UTF-8 ALL')).toBe('* SORT 2 4 3 1');
    // Base subjects: Báo cáo, báo cáo, Zebra, Lịch họp — folded: bao cao, bao cao, lich hop, zebra; the tie goes by the exact text.
    expect(await sort('(SUBJECT) UTF-8 ALL')).toBe('* SORT 1 2 4 3');
    // FROM is the mailbox (local part): anh, bob, Carl, mai.
    expect(await sort('(FROM) UTF-8 ALL')).toBe('* SORT 3 2 4 1');
    expect(await sort('(TO) UTF-8 ALL')).toBe('* SORT 2 4 3 1');
    // No Cc sorts first (the empty string).
    expect(await sort('(CC SIZE) UTF-8 ALL')).toBe('* SORT 4 3 2 1');
    expect(await sort('(REVERSE SUBJECT ARRIVAL) UTF-8 ALL')).toBe('* SORT 3 4 2 1');
    expect(await sort('(SUBJECT) UTF-8 BODY "c"')).toBe('* SORT 3');
    expect(await sort('(SUBJECT) UTF-8 DRAFT')).toBe('* SORT');
  });

  it('sorts by display name (RFC 5957), Vietnamese by the folded form', async () => {
    const client = await bed.login('INBOX');
    // Anh Ba, bob@example.org, Dao An, Đào Thị Mai.
    expect(await client.command('S', 'SORT (DISPLAYFROM) UTF-8 ALL')).toEqual(['* SORT 4 2 3 1', 'S OK SORT completed']);
    // An, x@example.org, Y@example.org, zeta@example.org.
    expect(await client.command('S', 'SORT (REVERSE DISPLAYTO) UTF-8 ALL')).toEqual(['* SORT 1 3 4 2', 'S OK SORT completed']);
  });

  it('answers UID SORT with UIDs and RETURN with ESEARCH in sort order (RFC 5267)', async () => {
    const client = await bed.login('INBOX');
    const u = (seq: number) => uids[seq - 1];
    expect(await client.command('U', 'UID SORT (DATE) UTF-8 ALL')).toEqual([`* SORT ${u(2)} ${u(4)} ${u(1)} ${u(3)}`, 'U OK UID SORT completed']);
    expect(await client.command('E1', 'SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL')).toEqual([
      '* ESEARCH (TAG "E1") MIN 2 MAX 3 ALL 2,4,1,3 COUNT 4',
      'E1 OK SORT completed',
    ]);
    expect(await client.command('E2', 'SORT RETURN () (ARRIVAL) UTF-8 1:2')).toEqual(['* ESEARCH (TAG "E2") ALL 2,1', 'E2 OK SORT completed']);
    expect(await client.command('E3', 'UID SORT RETURN (COUNT) (SIZE) UTF-8 DRAFT')).toEqual(['* ESEARCH (TAG "E3") UID COUNT 0', 'E3 OK UID SORT completed']);
  });

  it('answers BAD for bad criteria and NO for an unknown charset', async () => {
    const client = await bed.login('INBOX');
    expect((await client.command('B1', 'SORT () UTF-8 ALL'))[0]).toMatch(/^B1 BAD /);
    expect((await client.command('B2', 'SORT (COLOR) UTF-8 ALL'))[0]).toMatch(/^B2 BAD unknown sort key COLOR/);
    expect((await client.command('B3', 'SORT (DATE) ALL'))[0]).toMatch(/^B3 NO \[BADCHARSET/);
    expect((await client.command('B4', 'SORT (REVERSE) UTF-8 ALL'))[0]).toMatch(/^B4 BAD /);
    expect((await client.command('B5', 'SORT (DATE)'))[0]).toMatch(/^B5 BAD /);
    expect(await client.command('B6', 'SORT (DATE) UTF-8 1')).toEqual(['* SORT 1', 'B6 OK SORT completed']);
  });

  it('is driven by Python imaplib', async () => {
    const printed = await imaplibInInbox(bed, [
      'print(c.sort("(REVERSE DATE)", "UTF-8", "ALL"))',
      'print(c.uid("SORT", "(SUBJECT)", "UTF-8", "ALL"))',
    ]);
    expect(printed).toEqual([
      "('OK', [b'3 1 2 4'])", // 2 and 4 tie: mailbox order, REVERSE or not (RFC 5256 §3)
      `('OK', [b'${[1, 2, 4, 3].map((seq) => uids[seq - 1]).join(' ')}'])`,
    ]);
  });
});
