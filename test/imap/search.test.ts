import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapError, ParseError } from '../../src/imap/errors.js';
import { ArgReader } from '../../src/imap/parser.js';
import { parseSearch } from '../../src/imap/search/parse.js';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';

const parse = (args: string) => parseSearch(new ArgReader(Buffer.from(` ${args}`), { utf8: false }));

describe('SEARCH grammar (RFC 3501 §6.4.4)', () => {
  it('reads every key into the query tree', () => {
    expect(parse('ALL').key).toEqual({ kind: 'all' });
    expect(parse('UNSEEN FROM "Đào"').key).toEqual({
      kind: 'and',
      keys: [
        { kind: 'flag', flag: '\\Seen', present: false },
        { kind: 'text', field: 'from', value: 'Đào' },
      ],
    });
    expect(parse('OR (SEEN FLAGGED) NOT KEYWORD $Done').key).toEqual({
      kind: 'or',
      left: {
        kind: 'and',
        keys: [
          { kind: 'flag', flag: '\\Seen', present: true },
          { kind: 'flag', flag: '\\Flagged', present: true },
        ],
      },
      right: { kind: 'not', key: { kind: 'flag', flag: '$Done', present: true } },
    });
    expect(parse('SINCE 1-Feb-2026 SENTBEFORE "28-Nov-2026" LARGER 100 SMALLER 5000').key).toEqual({
      kind: 'and',
      keys: [
        { kind: 'date', of: 'internal', compare: 'since', day: 20260201 },
        { kind: 'date', of: 'sent', compare: 'before', day: 20261128 },
        { kind: 'size', compare: 'larger', octets: 100 },
        { kind: 'size', compare: 'smaller', octets: 5000 },
      ],
    });
    expect(parse('1:3,*').key).toEqual({ kind: 'sequence', set: [{ from: 1, to: 3 }, { from: '*', to: '*' }] });
    expect(parse('UID 5:*').key).toEqual({ kind: 'uid', set: [{ from: 5, to: '*' }] });
    expect(parse('HEADER X-Priority ""').key).toEqual({ kind: 'header', name: 'X-Priority', value: '' });
    expect(parse('NEW').key).toEqual({
      kind: 'and',
      keys: [
        { kind: 'recent', present: true },
        { kind: 'flag', flag: '\\Seen', present: false },
      ],
    });
    expect(parse('MODSEQ "/flags/\\\\draft" all 620162338').key).toEqual({ kind: 'modseq', modSeq: 620162338 });
    expect(parse('SUBJECT {5}\r\nhọp').key).toEqual({ kind: 'text', field: 'subject', value: 'họp' });
  });

  it('reads RETURN options and CHARSET', () => {
    expect(parse('RETURN (MIN COUNT) CHARSET UTF-8 ALL')).toEqual({ key: { kind: 'all' }, returns: new Set(['MIN', 'COUNT']), partial: null });
    expect(parse('RETURN (PARTIAL 9:3 UPDATE) ALL')).toEqual({ key: { kind: 'all' }, returns: new Set(['PARTIAL', 'UPDATE']), partial: { low: 3, high: 9 } });
    expect(parse('RETURN () ALL').returns).toEqual(new Set());
    expect(parse('CHARSET us-ascii ALL').returns).toBeNull();
  });

  it.each(['', 'BOGUS', 'SINCE 31-Feb-2026', 'SINCE yesterday', 'LARGER x', 'OR SEEN', '(SEEN', '()', 'UID 0', 'RETURN (FOO) ALL', 'ALL ', 'NOT'])(
    'answers BAD to %j',
    (args) => {
      expect(() => parse(args)).toThrow(ParseError);
    },
  );

  it('refuses nesting deeper than any client writes', () => {
    expect(() => parse(`${'NOT '.repeat(100)}ALL`)).toThrow(/nested too deeply/);
  });

  it('answers NO [BADCHARSET] for a charset it does not know', () => {
    expect(() => parse('CHARSET KOI8-R ALL')).toThrow(expect.objectContaining({ status: 'NO', code: 'BADCHARSET (UTF-8 US-ASCII)' }));
  });
});

let bed: MessageTestBed;
const uids: number[] = [];

beforeAll(async () => {
  bed = await startMessageTestBed();
  uids.push(
    await bed.deliver(textMessage('Họp giao ban tuần', 'Kính mời ông Nguyễn Văn Ân dự họp.', ['X-Priority: 1 (Highest)']), {
      internalDate: new Date(2026, 10, 2, 9, 0),
      flags: ['\\Seen'],
    }),
    await bed.deliver(textMessage('Báo cáo quý', `Số liệu ${'dài '.repeat(500)}`), { internalDate: new Date(2026, 10, 20, 9, 0), flags: ['\\Flagged'] }),
    await bed.deliver(
      Buffer.from('From: ban@example.org\r\nTo: annv@cantho.gov.vn\r\nSubject: =?utf-8?B?VGjGsCBt4budaQ==?=\r\nDate: 1 Jan 2025 10:00:00 +0000\r\n\r\nhello\r\n'),
      { internalDate: new Date(2026, 10, 25, 9, 0) },
    ),
  );
});
afterAll(async () => {
  await bed?.close();
});

describe('SEARCH over a mailbox', () => {
  it('finds Vietnamese text with or without diacritics through the index', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'SEARCH BODY "nguyen van an"')).toEqual(['* SEARCH 1', 'A1 OK SEARCH completed']);
    // TEXT covers the header too: both are addressed To "Nguyễn Văn An".
    expect(await client.command('A5', 'SEARCH TEXT "nguyen van an"')).toEqual(['* SEARCH 1 2', 'A5 OK SEARCH completed']);
    expect(await client.command('A2', `SEARCH CHARSET UTF-8 SUBJECT {${Buffer.byteLength('báo cáo')}+}\r\nbáo cáo`)).toEqual(['* SEARCH 2', 'A2 OK SEARCH completed']);
    expect(await client.command('A3', 'SEARCH FROM "tran thi dao"')).toEqual(['* SEARCH 1 2', 'A3 OK SEARCH completed']);
    expect(await client.command('A4', 'SEARCH BODY "khong co"')).toEqual(['* SEARCH', 'A4 OK SEARCH completed']);
  });

  it('matches flags, sizes, dates, headers and sets', async () => {
    const client = await bed.login('INBOX');
    const search = async (criteria: string) => (await client.command('S', `SEARCH ${criteria}`))[0];
    expect(await search('SEEN')).toBe('* SEARCH 1');
    expect(await search('UNSEEN')).toBe('* SEARCH 2 3');
    expect(await search('FLAGGED')).toBe('* SEARCH 2');
    expect(await search('OR SEEN FLAGGED')).toBe('* SEARCH 1 2');
    expect(await search('NOT (SEEN)')).toBe('* SEARCH 2 3');
    expect(await search('LARGER 1000')).toBe('* SEARCH 2');
    expect(await search('SMALLER 200')).toBe('* SEARCH 3');
    expect(await search('SINCE 20-Nov-2026')).toBe('* SEARCH 2 3');
    expect(await search('BEFORE 20-Nov-2026')).toBe('* SEARCH 1');
    expect(await search('ON 25-Nov-2026')).toBe('* SEARCH 3');
    expect(await search('SENTON 28-Nov-2026')).toBe('* SEARCH 1 2');
    expect(await search('SENTBEFORE 1-Feb-2025')).toBe('* SEARCH 3');
    expect(await search('SENTSINCE 1-Feb-2025')).toBe('* SEARCH 1 2');
    expect(await search('HEADER X-Priority highest')).toBe('* SEARCH 1');
    expect(await search('HEADER X-Priority ""')).toBe('* SEARCH 1');
    expect(await search('HEADER Subject "thu moi"')).toBe('* SEARCH 3');
    expect(await search('2:* UNFLAGGED')).toBe('* SEARCH 3');
    expect(await search(`UID ${uids[1]}:*`)).toBe('* SEARCH 2 3');
    // Keys that name messages narrow what is read; the other keys still apply to those.
    expect(await search(`UID ${uids[0]}:${uids[1]} UNSEEN`)).toBe('* SEARCH 2');
    expect(await search(`1:2 UID ${uids[1]}:* SEEN`)).toBe('* SEARCH');
    expect(await search(`OR UID ${uids[0]} 2 LARGER 1000`)).toBe('* SEARCH 2');
    expect(await search(`NOT UID ${uids[0]}`)).toBe('* SEARCH 2 3');
    expect(await search('UID 999999')).toBe('* SEARCH');
    expect(await search('OLD')).toBe('* SEARCH 1 2 3');
    expect(await search('NEW')).toBe('* SEARCH');
  });

  it('answers UID SEARCH with UIDs and RETURN with ESEARCH (RFC 4731)', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'UID SEARCH UNSEEN')).toEqual([`* SEARCH ${uids[1]} ${uids[2]}`, 'A1 OK UID SEARCH completed']);
    expect(await client.command('A2', 'SEARCH RETURN (MIN MAX COUNT ALL) 1:*')).toEqual(['* ESEARCH (TAG "A2") MIN 1 MAX 3 ALL 1:3 COUNT 3', 'A2 OK SEARCH completed']);
    expect(await client.command('A3', 'UID SEARCH RETURN () UNSEEN')).toEqual([
      `* ESEARCH (TAG "A3") UID ALL ${uids[1]}:${uids[2]}`,
      'A3 OK UID SEARCH completed',
    ]);
    expect(await client.command('A4', 'SEARCH RETURN (MIN COUNT) DRAFT')).toEqual(['* ESEARCH (TAG "A4") COUNT 0', 'A4 OK SEARCH completed']);
  });

  it('adds the highest MODSEQ when MODSEQ is searched (RFC 7162 §3.1.5)', async () => {
    const client = await bed.login('INBOX');
    const modseqs = (await client.command('A1', 'FETCH 1:3 (MODSEQ)')).slice(1, 4).map((line) => Number(/MODSEQ \((\d+)\)/.exec(line)![1]));
    const reply = await client.command('A2', `SEARCH MODSEQ ${modseqs[1]}`);
    const expected = [1, 2, 3].filter((seq) => modseqs[seq - 1]! >= modseqs[1]!);
    expect(reply).toEqual([`* SEARCH ${expected.join(' ')} (MODSEQ ${Math.max(...modseqs)})`, 'A2 OK SEARCH completed']);
  });

  it('reports the MODSEQ of the MIN or MAX message alone (RFC 4731 §3.2)', async () => {
    const client = await bed.login('INBOX');
    await client.command('A0', 'STORE 2 +FLAGS (\\Answered)');
    await client.command('A0', 'STORE 2 -FLAGS (\\Answered)');
    const modseqs = (await client.command('A1', 'FETCH 1:3 (MODSEQ)')).slice(1, 4).map((line) => Number(/MODSEQ \((\d+)\)/.exec(line)![1]));
    expect(modseqs[1]).toBeGreaterThan(Math.max(modseqs[0]!, modseqs[2]!));
    expect(await client.command('A2', 'SEARCH RETURN (MIN) MODSEQ 1')).toEqual([`* ESEARCH (TAG "A2") MIN 1 MODSEQ ${modseqs[0]}`, 'A2 OK SEARCH completed']);
    expect(await client.command('A3', 'SEARCH RETURN (MAX) MODSEQ 1')).toEqual([`* ESEARCH (TAG "A3") MAX 3 MODSEQ ${modseqs[2]}`, 'A3 OK SEARCH completed']);
    expect(await client.command('A4', 'SEARCH RETURN (MIN MAX) MODSEQ 1')).toEqual([
      `* ESEARCH (TAG "A4") MIN 1 MAX 3 MODSEQ ${Math.max(modseqs[0]!, modseqs[2]!)}`,
      'A4 OK SEARCH completed',
    ]);
    expect(await client.command('A5', 'SEARCH RETURN (MIN COUNT) MODSEQ 1')).toEqual([
      `* ESEARCH (TAG "A5") MIN 1 COUNT 3 MODSEQ ${modseqs[1]}`,
      'A5 OK SEARCH completed',
    ]);
  });

  it('answers BADCHARSET and BAD over the wire and stays usable', async () => {
    const client = await bed.login('INBOX');
    expect(await client.command('A1', 'SEARCH CHARSET ISO-2022-JP ALL')).toEqual(['A1 NO [BADCHARSET (UTF-8 US-ASCII)] charset ISO-2022-JP is not supported']);
    // A charset sent as a literal may hold a line break: it must not split the response (RFC 3501 §9 resp-text).
    client.send('A1b SEARCH CHARSET {8+}\r\nX\r\n* BYE ALL\r\n');
    expect(await client.readLine()).toBe('A1b NO [BADCHARSET (UTF-8 US-ASCII)] charset X  * BYE is not supported');
    expect((await client.command('A2', 'SEARCH FROBNICATE'))[0]).toMatch(/^A2 BAD unknown search key FROBNICATE/);
    expect(await client.command('A3', 'SEARCH 99')).toEqual(['* SEARCH', 'A3 OK SEARCH completed']);
  });

  it('matches substrings of every text key, ignoring case (RFC 3501 §6.4.4)', async () => {
    const bed2 = await startMessageTestBed();
    try {
      await bed2.deliver(
        'From: Sender <user-from@example.org>\r\nTo: rcpt-to@example.org\r\nCc: copy-cc@example.org\r\nBcc: hidden-bcc@example.org\r\n' +
          'Subject: Beautiful world\r\nX-Custom: zebra-crossing\r\nX-Extra: one\r\nX-Extra: another\r\n\r\nqwerty zxcvbnm 100% sure\r\n',
      );
      await bed2.deliver('From: b@example.org\r\nSubject: plain\r\n\r\nnothing special here\r\n');
      const client = await bed2.login('INBOX');
      const search = async (criteria: string) => (await client.command('S', `SEARCH ${criteria}`))[0];
      expect(await search('FROM ser-fro')).toBe('* SEARCH 1');
      expect(await search('SUBJECT "eautiful worl"')).toBe('* SEARCH 1');
      expect(await search('SUBJECT "BEAUTIFUL"')).toBe('* SEARCH 1');
      expect(await search('BODY xcvbn')).toBe('* SEARCH 1');
      expect(await search('TO pt-t')).toBe('* SEARCH 1');
      expect(await search('CC y-c')).toBe('* SEARCH 1');
      expect(await search('BCC den-b')).toBe('* SEARCH 1');
      expect(await search('TEXT zebra')).toBe('* SEARCH 1');
      expect(await search('TEXT "x-custom: zebra"')).toBe('* SEARCH 1');
      expect(await search('HEADER X-Extra another')).toBe('* SEARCH 1');
      expect(await search('HEADER X-Extra ONE')).toBe('* SEARCH 1');
      expect(await search('HEADER X-Extra zebra')).toBe('* SEARCH');
      expect(await search('BODY "@"')).toBe('* SEARCH');
      expect(await search('BODY "%"')).toBe('* SEARCH 1');
      expect(await search('FROM "@"')).toBe('* SEARCH 1 2');
      expect(await search('BODY "0%"')).toBe('* SEARCH 1');
      expect(await search('BODY "ng s"')).toBe('* SEARCH 2');
      expect(await search('BODY ""')).toBe('* SEARCH 1 2');
    } finally {
      await bed2.close();
    }
  });

  it('works for imapflow, Vietnamese included', async () => {
    const client = await bed.imapflow();
    await client.mailboxOpen('INBOX');
    expect(await client.search({ body: 'Nguyễn Văn Ân' })).toEqual([1]);
    expect(await client.search({ seen: false }, { uid: true })).toEqual([uids[1], uids[2]]);
    expect(await client.search({ or: [{ flagged: true }, { header: { 'x-priority': '1' } }] })).toEqual([1, 2]);
  });
});

describe('SEARCH parser under random input', () => {
  const words = ['ALL', 'OR', 'NOT', '(', ')', 'SEEN', 'UID', '1:*', '*', '0', 'SINCE', '1-Feb-2026', 'HEADER', 'X', '""', '{3}\r\nabc', 'CHARSET', 'UTF-8', 'RETURN', '(MIN)', 'MODSEQ', '5', 'LARGER', 'KEYWORD', '$a', ' ', '\\'];
  it('either parses or answers with an ImapError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((parts) => parts.join(' '))), (args) => {
        try {
          parse(args);
        } catch (err) {
          expect(err).toBeInstanceOf(ImapError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
