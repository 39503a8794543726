import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatMboxMessage, readMbox, readMboxFile, type MboxEntry } from '../../src/mime/mbox.js';
import { putMetadata, takeMetadata } from '../../src/maintenance/mbox-headers.js';

const DATE = new Date('2026-11-28T07:30:23Z');
const message = (subject: string, body: string) =>
  Buffer.from(`From: An <annv@cantho.gov.vn>\r\nSubject: ${subject}\r\n\r\n${body}`, 'utf8');

function entries(text: string): MboxEntry[] {
  return [...readMbox(Buffer.from(text, 'utf8'))];
}

describe('mbox (mboxrd)', () => {
  it('writes a From line with the asctime date, escapes From lines, and reads the same bytes back', () => {
    const raw = message('thư', 'From here on\r\n>From quoted\r\n\r\nFrom the start of a paragraph\r\n');
    const file = Buffer.concat([formatMboxMessage(raw, 'annv@cantho.gov.vn', DATE), formatMboxMessage(message('hai', 'x\r\n'), '', DATE)]);
    expect(file.toString('utf8')).toBe(
      'From annv@cantho.gov.vn Sat Nov 28 07:30:23 2026\n' +
        'From: An <annv@cantho.gov.vn>\nSubject: thư\n\n>From here on\n>>From quoted\n\n>From the start of a paragraph\n\n' +
        'From MAILER-DAEMON Sat Nov 28 07:30:23 2026\nFrom: An <annv@cantho.gov.vn>\nSubject: hai\n\nx\n\n',
    );
    const read = [...readMbox(file)];
    expect(read.map((e) => e.kind)).toEqual(['message', 'message']);
    expect(read[0]).toMatchObject({ kind: 'message', raw, date: DATE, line: 1 });
    expect(read[1]).toMatchObject({ raw: message('hai', 'x\r\n'), line: 10 });
  });

  it('reads CRLF files, single-digit days and From lines with a zone', () => {
    const read = entries('From a@b.c Mon Sep  1 08:00:00 2026\r\nSubject: x\r\n\r\nbody\r\n\r\nFrom a@b.c Tue Sep 2 08:00 +0700 2026\r\nSubject: y\r\n\r\nz\r\n');
    expect(read).toMatchObject([
      { kind: 'message', raw: Buffer.from('Subject: x\r\n\r\nbody\r\n'), date: new Date('2026-09-01T08:00:00Z') },
      { kind: 'message', raw: Buffer.from('Subject: y\r\n\r\nz\r\n'), line: 6 },
    ]);
  });

  it('stops before the message a broken From line would end, naming the line', () => {
    const read = entries(
      'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 1\n\none\n\n' +
        'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 2\n\ntwo\n\nFrom my desk, with regards\nmore of two\n\n' +
        'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 3\n\nthree\n',
    );
    expect(read).toEqual([
      { kind: 'message', raw: Buffer.from('Subject: 1\r\n\r\none\r\n'), date: DATE, line: 1 },
      { kind: 'broken-from-line', line: 11, detail: 'not a valid "From " line: "From my desk, with regards"' },
    ]);
  });

  it('reports a truncated last message: no final line break, a header that never ends, or a multipart without its closing boundary', () => {
    const first = 'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 1\n\none\n\n';
    const cases: Array<[string, string]> = [
      ['Subject: 2\n\ntwo, cut in the midd', 'the file does not end with a line break'],
      ['Subject: 2\nFrom: x@y.z\n', 'its header never ends'],
      ['Content-Type: multipart/mixed;\n boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nhalf\n', 'its multipart body has no closing boundary "--b1--"'],
    ];
    for (const [last, why] of cases) {
      const read = entries(`${first}From a@b.c Sat Nov 28 07:30:23 2026\n${last}`);
      expect(read).toHaveLength(2);
      expect(read[0]!.kind).toBe('message');
      expect(read[1]).toEqual({ kind: 'truncated', line: 6, detail: `the last message (line 6) is cut short: ${why}` });
    }
  });

  it('refuses a file that is not an mbox at its first line', () => {
    expect(entries('Subject: not an mbox\n\nbody\n')).toEqual([
      { kind: 'broken-from-line', line: 1, detail: 'the file does not start with a "From " line: not an mbox' },
    ]);
  });

  it('keeps flags and folder in Status/X-Status/X-Keywords/X-Folder and takes them out again', () => {
    const raw = message('cờ', 'nội dung\r\n');
    const marked = putMetadata(raw, 'Dự án/2026', ['\\Seen', '\\Flagged', '\\Answered', '$Important']);
    expect(marked.toString('utf8')).toMatch(/^X-Folder: Dự án\/2026\r\nStatus: RO\r\nX-Status: AF\r\nX-Keywords: \$Important\r\nFrom: An/);
    expect(takeMetadata(marked)).toEqual({ message: raw, metadata: { folder: 'Dự án/2026', flags: ['\\Seen', '\\Answered', '\\Flagged', '$Important'] } });
    expect(takeMetadata(putMetadata(raw, 'INBOX', [])).metadata).toEqual({ folder: 'INBOX', flags: [] });
    // Thunderbird/Dovecot style from the old system: Status without R is unread; D is \Deleted, T is \Draft.
    expect(takeMetadata(Buffer.from('Status: O\r\nX-Status: DT\r\nX-Keywords: a,b (bad)\r\nSubject: x\r\n\r\n')).metadata).toEqual({
      folder: null,
      flags: ['\\Draft', '\\Deleted', 'a', 'b'],
    });
  });

  it('reads a file as a stream the same way, whatever the chunk boundaries', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-'));
    try {
      const text =
        'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 1\n\n>From one\r\n\n' +
        'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 2\n\ntwo\n\n' +
        'From a@b.c Sat Nov 28 07:30:23 2026\nSubject: 3\n\nthree, cut';
      const file = path.join(dir, 'x.mbox');
      writeFileSync(file, text);
      const inMemory = entries(text);
      expect(inMemory.map((e) => e.kind)).toEqual(['message', 'message', 'truncated']);
      for (const chunkSize of [1, 2, 7, 64, 1 << 20]) {
        const streamed: MboxEntry[] = [];
        for await (const entry of readMboxFile(file, chunkSize)) streamed.push(entry);
        expect(streamed).toEqual(inMemory);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
