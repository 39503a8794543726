/**
 * RFC 5256 §4 THREAD / UID THREAD with ORDEREDSUBJECT and REFERENCES: exact replies over a raw
 * socket, and Python's imaplib (`IMAP4.thread`) as a real client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imaplibInInbox, startMessageTestBed, type MessageTestBed } from './message-fixtures.js';

function mail(id: string, subject: string, day: number, links: string[] = []): string {
  return [`From: a@example.org`, `Message-ID: <${id}@example.org>`, ...links, `Subject: ${subject}`, `Date: ${day} Nov 2026 10:00:00 +0000`, '', 'x', ''].join('\r\n');
}

let bed: MessageTestBed;
const uids: number[] = [];

beforeAll(async () => {
  bed = await startMessageTestBed();
  const messages = [
    mail('a', 'Kế hoạch', 2),
    mail('b', 'Re: Kế hoạch', 3, ['References: <a@example.org>']),
    // In-Reply-To stands in for missing References.
    mail('c', 'Re: Kế hoạch', 4, ['In-Reply-To: <a@example.org>']),
    mail('d', 'Re: Kế hoạch', 5, ['References: <a@example.org>\r\n <b@example.org>']),
    mail('e', 'Khác', 1),
    // Both answer a message this mailbox does not have: a dummy holds them.
    mail('f', 'Báo cáo', 6, ['References: <missing@example.org>']),
    mail('g', 'Re: Báo cáo', 7, ['References: <missing@example.org>']),
    // No references: joined to "Khác" by its base subject, as a reply under the original.
    mail('h', 'Re: Khác', 8),
  ];
  for (const m of messages) uids.push(await bed.deliver(m));
});
afterAll(async () => {
  await bed?.close();
});

describe('THREAD', () => {
  it('threads by REFERENCES (exact reply)', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('T1', 'THREAD REFERENCES UTF-8 ALL')).toEqual(['* THREAD (5 8)(1 (2 4)(3))((6)(7))', 'T1 OK THREAD completed']);
    // Only the matches are threaded: without 1, its replies are gathered under a dummy, and 4 stays under 2.
    expect(await client.command('T2', 'THREAD REFERENCES UTF-8 2:4')).toEqual(['* THREAD ((2 4)(3))', 'T2 OK THREAD completed']);
    expect(await client.command('T3', 'THREAD REFERENCES UTF-8 DRAFT')).toEqual(['* THREAD', 'T3 OK THREAD completed']);
  });

  it('threads by ORDEREDSUBJECT (exact reply)', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('T1', 'THREAD ORDEREDSUBJECT UTF-8 ALL')).toEqual(['* THREAD (5 8)(1 (2)(3)(4))(6 7)', 'T1 OK THREAD completed']);
  });

  it('answers UID THREAD with UIDs', async () => {
    const client = await bed.login('INBOX');
    const u = (seq: number) => uids[seq - 1];
    expect(await client.command('U1', 'UID THREAD REFERENCES UTF-8 1:4')).toEqual([`* THREAD (${u(1)} (${u(2)} ${u(4)})(${u(3)}))`, 'U1 OK UID THREAD completed']);
  });

  it('answers BAD for an unknown algorithm and NO for an unknown charset', async () => {
    const client = await bed.login('INBOX');
    expect((await client.command('B1', 'THREAD FLAT UTF-8 ALL'))[0]).toMatch(/^B1 BAD unknown threading algorithm FLAT/);
    expect((await client.command('B2', 'THREAD REFERENCES KOI8-R ALL'))[0]).toMatch(/^B2 NO \[BADCHARSET/);
    expect((await client.command('B3', 'THREAD REFERENCES UTF-8'))[0]).toMatch(/^B3 BAD /);
  });

  it('is driven by Python imaplib', async () => {
    const printed = await imaplibInInbox(bed, [
      'print(c.thread("REFERENCES", "UTF-8", "ALL"))',
      'print(c.thread("ORDEREDSUBJECT", "UTF-8", "1:4"))',
    ]);
    expect(printed).toEqual(["('OK', [b'(5 8)(1 (2 4)(3))((6)(7))'])", "('OK', [b'(1 (2)(3)(4))'])"]);
  });
});
