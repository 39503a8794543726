import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ITEMS } from '../../src/imap/fetch/items.js';
import { NESTED, startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

let bed: MessageTestBed;
let nestedUid: number;
let plainUid: number;
const internalDate = new Date('2026-11-20T03:04:05Z');

beforeAll(async () => {
  bed = await startMessageTestBed();
  nestedUid = await bed.deliver(NESTED, { internalDate });
  plainUid = await bed.deliver(textMessage('Lịch họp'), { internalDate });
  // The first SELECT takes \Recent (RFC 3501 §2.3.2): done here, so every test sees the same flags.
  await bed.login('INBOX');
});
afterAll(async () => {
  await bed?.close();
});

/** Server lines joined back into the byte stream (literals included), for exact comparison. */
const joined = (lines: readonly string[]) => lines.join('\r\n');

describe('FETCH data from the meta stored at delivery', () => {
  it('answers ENVELOPE, BODYSTRUCTURE, BODY and sizes exactly', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', `UID FETCH ${nestedUid} (ENVELOPE BODYSTRUCTURE RFC822.SIZE)`);
    const fromName = Buffer.byteLength('Trần Thị Đào');
    expect(joined(reply)).toBe(
      `* 1 FETCH (UID ${nestedUid} ENVELOPE ("Sat, 28 Nov 2026 08:00:00 +0700" "=?utf-8?B?QsOhbyBjw6Fv?=" ` +
        `(({${fromName}}\r\nTrần Thị Đào NIL "daott" "cantho.gov.vn")) (({${fromName}}\r\nTrần Thị Đào NIL "daott" "cantho.gov.vn")) ` +
        `(({${fromName}}\r\nTrần Thị Đào NIL "daott" "cantho.gov.vn")) ((NIL NIL "annv" "cantho.gov.vn")) NIL NIL NIL NIL) ` +
        'BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 9 0 NIL NIL "vi" NIL)' +
        '("MESSAGE" "RFC822" NIL NIL "forwarded" "7BIT" 259 (NIL "inner" ((NIL NIL "inner" "example.org")) ((NIL NIL "inner" "example.org")) ((NIL NIL "inner" "example.org")) NIL NIL NIL NIL "<inner@example.org>") ' +
        '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 0 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 12 0 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL) 14 NIL NIL NIL NIL)' +
        '("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" 4 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("ATTACHMENT" ("FILENAME" "a.pdf")) ("vi" "en") "http://example.org/a.pdf") ' +
        `"MIXED" ("BOUNDARY" "outer") NIL NIL NIL) RFC822.SIZE ${NESTED.length})\r\n` +
        'A1 OK UID FETCH completed',
    );
  });

  it('answers INTERNALDATE in RFC 3501 date-time form and expands the macros', async () => {
    const client = await bed.login('INBOX');
    const fast = await client.command('A1', 'FETCH 2 FAST');
    expect(fast[0]).toMatch(/^\* 2 FETCH \(FLAGS \(\) INTERNALDATE "(\d\d|\s\d)-Nov-2026 \d\d:\d\d:\d\d [+-]\d{4}" RFC822\.SIZE \d+\)$/);
    const stamp = /INTERNALDATE "([^"]+)"/.exec(fast[0]!)![1]!;
    expect(new Date(stamp.replace(/^ /, '').replace(/-/g, ' ')).getTime()).toBe(internalDate.getTime());
    const all = await client.command('A2', 'FETCH 2 ALL');
    expect(all[0]).toMatch(/^\* 2 FETCH \(FLAGS \(\) INTERNALDATE "[^"]+" RFC822\.SIZE \d+ ENVELOPE \(/);
    const full = await client.command('A3', 'FETCH 2 FULL');
    expect(joined(full)).toMatch(/ BODY \("TEXT" "PLAIN" \("CHARSET" "utf-8"\) NIL NIL "8BIT" \d+ 2\)\)\r\nA3 OK/);
  });

  it('extracts body sections and partial ranges without setting \\Seen for PEEK', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command(
      'A1',
      'FETCH 1 (BODY.PEEK[1] BODY.PEEK[2.HEADER.FIELDS (subject)] BODY.PEEK[2.1.MIME] BODY.PEEK[HEADER]<0.4> BODY.PEEK[3]<100.5> BODY.PEEK[4] FLAGS)',
    );
    expect(joined(reply)).toBe(
      `* 1 FETCH (BODY[1] {${Buffer.byteLength('Xin chào')}}\r\nXin chào BODY[2.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: inner\r\n\r\n` +
        ' BODY[2.1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n BODY[HEADER]<0> {4}\r\nFrom BODY[3]<100> {0}\r\n BODY[4] NIL FLAGS ())\r\n' +
        'A1 OK FETCH completed',
    );
  });

  it('answers RFC822, RFC822.HEADER and RFC822.TEXT', async () => {
    const client = await bed.login('INBOX');
    const raw = textMessage('Lịch họp').toString('utf8');
    const [header, text] = [raw.slice(0, raw.indexOf('\r\n\r\n') + 4), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
    const reply = await client.command('A1', 'FETCH 2 (RFC822.HEADER RFC822.TEXT)');
    expect(joined(reply)).toBe(
      `* 2 FETCH (RFC822.HEADER {${Buffer.byteLength(header)}}\r\n${header} RFC822.TEXT {${Buffer.byteLength(text)}}\r\n${text} FLAGS (\\Seen))\r\nA1 OK FETCH completed`,
    );
    await client.command('A2', `UID STORE ${plainUid} -FLAGS.SILENT (\\Seen)`);
  });

  it('sets \\Seen on BODY[] and says so in the same response, once', async () => {
    const client = await bed.login('INBOX');
    const first = await client.command('A1', 'FETCH 2 (BODY[TEXT]<0.3>)');
    expect(joined(first)).toBe('* 2 FETCH (BODY[TEXT]<0> {3}\r\nKí FLAGS (\\Seen))\r\nA1 OK FETCH completed');
    const again = await client.command('A2', 'FETCH 2 (BODY[TEXT]<0.1>)');
    expect(joined(again)).toBe('* 2 FETCH (BODY[TEXT]<0> {1}\r\nK)\r\nA2 OK FETCH completed');
    await client.command('A3', 'STORE 2 -FLAGS.SILENT (\\Seen)');
  });

  it('does not set \\Seen in a mailbox opened with EXAMINE', async () => {
    const client = await bed.login();
    await client.command('E', 'EXAMINE INBOX');
    const reply = await client.command('A1', 'FETCH 2 (BODY[TEXT]<0.1>)');
    expect(joined(reply)).toBe('* 2 FETCH (BODY[TEXT]<0> {1}\r\nK)\r\nA1 OK FETCH completed');
    const flags = await client.command('A2', 'FETCH 2 FLAGS');
    expect(flags[0]).toBe('* 2 FETCH (FLAGS ())');
  });

  it('gives MODSEQ and honours CHANGEDSINCE (RFC 7162)', async () => {
    const client = await bed.login('INBOX');
    const before = await client.command('A1', 'FETCH 1:* (MODSEQ)');
    expect(before[0]).toMatch(/^\* OK \[HIGHESTMODSEQ \d+\] /);
    const modseqs = before.slice(1, 3).map((line) => Number(/MODSEQ \((\d+)\)/.exec(line)![1]));
    await client.command('A2', 'STORE 1 +FLAGS.SILENT (\\Flagged)');
    const changed = await client.command('A3', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${Math.max(...modseqs)})`);
    expect(changed).toHaveLength(2);
    expect(changed[0]).toMatch(/^\* 1 FETCH \(FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/);
    await client.command('A4', 'STORE 1 -FLAGS.SILENT (\\Flagged)');
  });

  it('sends FLAGS with their MODSEQ once CONDSTORE is enabled (RFC 7162 §3.1)', async () => {
    const client = await bed.login();
    expect(await client.command('E', 'ENABLE CONDSTORE')).toEqual(['* ENABLED CONDSTORE', 'E OK ENABLE completed']);
    await client.command('S', 'SELECT INBOX');
    expect((await client.command('A1', 'FETCH 2 (FLAGS)'))[0]).toMatch(/^\* 2 FETCH \(FLAGS \(\) MODSEQ \(\d+\)\)$/);
    expect((await client.command('A2', 'FETCH 2 (UID)'))[0]).toBe(`* 2 FETCH (UID ${plainUid})`);
  });
});

describe('FETCH sequence sets (RFC 3501 §9)', () => {
  it('takes *:1 as 1:*', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', 'FETCH *:1 (UID)');
    expect(reply).toEqual([`* 1 FETCH (UID ${nestedUid})`, `* 2 FETCH (UID ${plainUid})`, 'A1 OK FETCH completed']);
  });

  it.each([
    ['0', 'FETCH 0 FLAGS'],
    ['4294967296', 'FETCH 4294967296 FLAGS'],
    ['a number past the last message', 'FETCH 3 FLAGS'],
    ['1:0', 'FETCH 1:0 FLAGS'],
    ['an unknown item', 'FETCH 1 (FLAGS BOGUS)'],
    ['an unclosed section', 'FETCH 1 BODY[HEADER'],
    ['MIME without a part', 'FETCH 1 BODY[MIME]'],
    ['a macro inside a list', 'FETCH 1 (ALL)'],
    ['a bad partial', 'FETCH 1 BODY[]<0.0>'],
    ['an empty section part', 'FETCH 1 BODY[1.]'],
    ['a header field name the response could not repeat', 'FETCH 1 BODY[HEADER.FIELDS ("a]")]'],
    ['more than MAX_ITEMS different items', `FETCH 1 (${Array.from({ length: MAX_ITEMS + 1 }, (_, i) => `BODY.PEEK[TEXT]<${i}.1>`).join(' ')})`],
  ])('answers BAD to %s', async (_name, command) => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', command);
    expect(reply).toHaveLength(1);
    expect(reply[0]).toMatch(/^A1 BAD /);
    expect(await client.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
  });

  it('lets UID FETCH name UIDs that do not exist, and * be the highest UID', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'UID FETCH 4294967295 (FLAGS)')).toEqual(['A1 OK UID FETCH completed']);
    expect(await client.command('A2', 'UID FETCH 9999:* (FLAGS)')).toEqual([`* 2 FETCH (UID ${plainUid} FLAGS ())`, 'A2 OK UID FETCH completed']);
  });
});

describe('FETCH of hostile requests and data', () => {
  it('answers an item asked for many times once, BODY and BODY.PEEK of a section as BODY', async () => {
    const client = await bed.login('INBOX');
    const repeated = Array.from({ length: 2000 }, () => 'BODY.PEEK[TEXT]<0.1>').join(' ');
    const reply = await client.command('A1', `FETCH 2 (UID ${repeated} UID FLAGS FLAGS)`);
    expect(joined(reply)).toBe(`* 2 FETCH (UID ${plainUid} BODY[TEXT]<0> {1}\r\nK FLAGS ())\r\nA1 OK FETCH completed`);
  });

  it('merges BODY.PEEK[…] and BODY[…] of one section into one BODY[…] that sets \\Seen', async () => {
    const client = await bed.login('INBOX');
    const reply = await client.command('A1', 'FETCH 2 (BODY.PEEK[TEXT]<0.1> BODY[TEXT]<0.1>)');
    expect(joined(reply)).toBe('* 2 FETCH (BODY[TEXT]<0> {1}\r\nK FLAGS (\\Seen))\r\nA1 OK FETCH completed');
    await client.command('A2', 'STORE 2 -FLAGS.SILENT (\\Seen)');
  });

  it('never sends a raw NUL: 0x80 in its place in message octets, as Dovecot does', async () => {
    const body = `a\0b\r\n${'z'.repeat(300 * 1024)}\0\r\n`;
    const withNul = Buffer.from(`From: a@example.org\r\nSubject: x\0y\r\nMessage-ID: <nul@example.org>\r\n\r\n${body}`, 'latin1');
    const uid = await bed.deliver(withNul);
    const socket = await bed.login('INBOX');
    const octets: Buffer[] = [];
    socket.socket.on('data', (chunk: string) => octets.push(Buffer.from(chunk, 'utf8')));
    const reply = await socket.command('A1', `UID FETCH ${uid} (ENVELOPE BODY.PEEK[TEXT] BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<0.4>)`);
    expect(reply.at(-1)).toBe('A1 OK UID FETCH completed');
    const all = Buffer.concat(octets);
    expect(all.includes(0)).toBe(false);
    const text = joined(reply);
    expect(text).toContain(`BODY[TEXT] {${Buffer.byteLength(body, 'latin1')}}\r\na\uFFFDb`);
    expect(text).toContain('BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: x\uFFFDy\r\n\r\n');
    expect(text).toContain('BODY[TEXT]<0> {4}\r\na\uFFFDb\r)');
    await socket.command('A2', `UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
    await socket.command('A3', `UID EXPUNGE ${uid}`);
  });
});

describe('FETCH and other sessions', () => {
  it('answers NO [EXPUNGEISSUED] for a message another session expunged, and EXPUNGE only afterwards', async () => {
    const extra = await bed.deliver(textMessage('Sẽ bị xoá'));
    const reader = await bed.login('INBOX');
    const seq = (await reader.command('A0', `UID FETCH ${extra} (UID)`))[0]!.split(' ')[1];
    const other = await bed.login('INBOX');
    await other.command('B1', `UID STORE ${extra} +FLAGS.SILENT (\\Deleted)`);
    expect((await other.command('B2', 'EXPUNGE')).at(-1)).toBe('B2 OK EXPUNGE completed');

    const fetched = await reader.command('A1', `FETCH 1:${seq} (UID)`);
    expect(fetched).toEqual([`* 1 FETCH (UID ${nestedUid})`, `* 2 FETCH (UID ${plainUid})`, 'A1 NO [EXPUNGEISSUED] Some of the requested messages no longer exist']);
    expect(await reader.command('A2', `UID FETCH ${extra} (FLAGS)`)).toEqual([`* ${seq} EXPUNGE`, 'A2 OK UID FETCH completed']);
    expect(await reader.command('A3', 'NOOP')).toEqual(['A3 OK NOOP completed']);
  });

  it('keeps other connections served during a large FETCH, and survives a client leaving in one', async () => {
    const big = await startMessageTestBed();
    try {
      await Promise.all(Array.from({ length: 1500 }, (_, i) => big.deliver(textMessage(`Tin số ${i}`, 'x'.repeat(2000)))));
      const fetcher = await big.login('INBOX');
      const other = await big.login();
      let otherDoneAt = 0;
      fetcher.send('F1 FETCH 1:* (ENVELOPE BODYSTRUCTURE BODY.PEEK[])\r\n');
      await fetcher.readLine(); // the first response is out: the FETCH is under way
      const noop = other.command('N1', 'NOOP').then(() => (otherDoneAt = Date.now()));
      const lines = await fetcher.until((line) => line.startsWith('F1 '), 30_000);
      const fetchDoneAt = Date.now();
      await noop;
      expect(lines.at(-1)).toBe('F1 OK FETCH completed');
      expect(otherDoneAt).toBeLessThan(fetchDoneAt);

      // A client that goes away in the middle of a large FETCH: the server stops and serves the rest.
      const leaver = await big.login('INBOX');
      leaver.send('F2 FETCH 1:* (BODY.PEEK[])\r\n');
      await leaver.readLine();
      leaver.close();
      expect(await other.command('N2', 'NOOP')).toEqual(['N2 OK NOOP completed']);
      expect((await fetcher.command('F3', 'FETCH 1 (UID)')).at(-1)).toBe('F3 OK FETCH completed');
    } finally {
      await big.close();
    }
  });
});

describe('FETCH with imapflow', () => {
  it('parses what we send and streams a large body intact', async () => {
    const large = textMessage('Tệp lớn', `${'Dòng dữ liệu dài, '.repeat(60)}\r\n`.repeat(1200));
    const uid = await bed.deliver(large);
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    const nested = await client.fetchOne(String(nestedUid), { envelope: true, bodyStructure: true, flags: true, internalDate: true, size: true }, { uid: true });
    expect(nested).not.toBe(false);
    if (!nested) return;
    expect(nested.envelope?.subject).toBe('Báo cáo');
    expect(nested.envelope?.from?.[0]).toEqual({ name: 'Trần Thị Đào', address: 'daott@cantho.gov.vn' });
    expect(nested.bodyStructure?.childNodes?.map((node) => node.type)).toEqual(['text/plain', 'message/rfc822', 'application/pdf']);
    expect(nested.bodyStructure?.childNodes?.[2]?.disposition).toBe('attachment');
    expect(nested.internalDate).toEqual(internalDate);
    expect(nested.size).toBe(NESTED.length);

    const body = await client.fetchOne(String(uid), { source: true }, { uid: true });
    expect(body && body.source?.equals(large)).toBe(true);
    const part = await client.download(String(nestedUid), '2.1', { uid: true });
    const chunks: Buffer[] = [];
    for await (const chunk of part.content!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('inner text');
  });
});
