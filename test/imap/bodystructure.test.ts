import { describe, expect, it } from 'vitest';
import { bodyStructureValue } from '../../src/imap/fetch/bodystructure.js';
import { envelopeValue } from '../../src/imap/fetch/envelope.js';
import { EncodedMetaCache } from '../../src/imap/fetch/meta-cache.js';
import { filterHeaderFields, formatSection, locateSection, type Section } from '../../src/imap/fetch/section.js';
import { encodeValue } from '../../src/imap/responses.js';
import { analyzeMessage } from '../../src/mime/index.js';
import { asUid, type BlobId } from '../../src/store/types.js';
import { NESTED } from './message-fixtures.js';

const analysis = analyzeMessage(NESTED);
const text = (value: Parameters<typeof encodeValue>[0]) => encodeValue(value).toString('utf8');

function section(spec: Section): string | null {
  const range = locateSection(spec, analysis.structure, analysis.headerSize, NESTED.length);
  if (!range) return null;
  const bytes = NESTED.subarray(range.start, range.end);
  return (range.fields ? filterHeaderFields(bytes, range.fields.names, range.fields.not) : bytes).toString('utf8');
}

describe('BODYSTRUCTURE (RFC 3501 §7.4.2)', () => {
  // The enclosed message: from its first header line up to the CRLF before "--outer".
  const enclosed = section({ part: [2], text: null })!;
  const enclosedLines = enclosed.split('\r\n').length - 1;

  it('formats a nested message with extension data', () => {
    expect(text(bodyStructureValue(analysis.structure, true))).toBe(
      '(' +
        '("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 9 0 NIL NIL "vi" NIL)' +
        `("MESSAGE" "RFC822" NIL NIL "forwarded" "7BIT" ${enclosed.length} ` +
        '(NIL "inner" ((NIL NIL "inner" "example.org")) ((NIL NIL "inner" "example.org")) ((NIL NIL "inner" "example.org")) NIL NIL NIL NIL "<inner@example.org>") ' +
        '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 0 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 12 0 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL) ' +
        `${enclosedLines} NIL NIL NIL NIL)` +
        '("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" 4 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("ATTACHMENT" ("FILENAME" "a.pdf")) ("vi" "en") "http://example.org/a.pdf")' +
        ' "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)',
    );
  });

  it('leaves the extension data out of BODY, inside enclosed messages too', () => {
    expect(text(bodyStructureValue(analysis.structure, false))).toBe(
      '(' +
        '("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 9 0)' +
        `("MESSAGE" "RFC822" NIL NIL "forwarded" "7BIT" ${enclosed.length} ` +
        '(NIL "inner" ((NIL NIL "inner" "example.org")) ((NIL NIL "inner" "example.org")) ((NIL NIL "inner" "example.org")) NIL NIL NIL NIL "<inner@example.org>") ' +
        '(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 0)("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 12 0) "ALTERNATIVE") ' +
        `${enclosedLines})` +
        '("APPLICATION" "PDF" ("NAME" "a.pdf") NIL NIL "BASE64" 4)' +
        ' "MIXED")',
    );
  });

  it('formats a single-part message', () => {
    const single = analyzeMessage(Buffer.from('Subject: x\r\n\r\nline one\r\nline two\r\n'));
    expect(text(bodyStructureValue(single.structure, true))).toBe('("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 20 2 NIL NIL NIL NIL)');
  });
});

describe('BODY[section] (RFC 3501 §6.4.5)', () => {
  it('numbers parts, continuing inside an enclosed message', () => {
    expect(section({ part: [1], text: null })).toBe('Xin chào');
    expect(section({ part: [2, 1], text: null })).toBe('inner text');
    expect(section({ part: [2, 2], text: null })).toBe('<p>inner</p>');
    expect(section({ part: [3], text: null })).toBe('QUJD');
    expect(section({ part: [2], text: null })).toMatch(/^From: inner@example\.org\r\n[\s\S]*--inner--\r\n$/);
  });

  it('gives HEADER, TEXT and HEADER.FIELDS of the message and of an enclosed one', () => {
    expect(section({ part: [], text: { kind: 'HEADER' } })).toBe(NESTED.toString('utf8').split('preamble')[0]);
    expect(section({ part: [2], text: { kind: 'HEADER' } })).toBe(
      'From: inner@example.org\r\nSubject: inner\r\nMessage-ID: <inner@example.org>\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n',
    );
    expect(section({ part: [2], text: { kind: 'TEXT' } })).toMatch(/^--inner\r\n[\s\S]*--inner--\r\n$/);
    expect(section({ part: [], text: { kind: 'HEADER.FIELDS', not: false, fields: ['subject', 'TO'] } })).toBe(
      'To: annv@cantho.gov.vn\r\nSubject: =?utf-8?B?QsOhbyBjw6Fv?=\r\n\r\n',
    );
    expect(section({ part: [2], text: { kind: 'HEADER.FIELDS', not: true, fields: ['Content-Type', 'Message-ID'] } })).toBe(
      'From: inner@example.org\r\nSubject: inner\r\n\r\n',
    );
  });

  it('gives the MIME header of a part', () => {
    expect(section({ part: [3], text: { kind: 'MIME' } })).toMatch(/^Content-Type: application\/pdf; name="a.pdf"\r\n[\s\S]*\r\n\r\n$/);
    expect(section({ part: [2, 1], text: { kind: 'MIME' } })).toBe('Content-Type: text/plain\r\n\r\n');
  });

  it('has nothing for a part that does not exist or HEADER of a part that is no message', () => {
    expect(section({ part: [4], text: null })).toBeNull();
    expect(section({ part: [1, 1], text: null })).toBeNull();
    expect(section({ part: [1], text: { kind: 'HEADER' } })).toBeNull();
    expect(section({ part: [2, 3], text: null })).toBeNull();
  });

  it('treats part 1 of a single-part message as its body', () => {
    const raw = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    const single = analyzeMessage(raw);
    const range = locateSection({ part: [1], text: null }, single.structure, single.headerSize, raw.length)!;
    expect(raw.subarray(range.start, range.end).toString()).toBe('body\r\n');
  });

  it('repeats the section in the response name', () => {
    expect(formatSection({ part: [2, 1], text: { kind: 'MIME' } })).toBe('2.1.MIME');
    expect(formatSection({ part: [], text: { kind: 'HEADER.FIELDS', not: true, fields: ['From', 'to'] } })).toBe('HEADER.FIELDS.NOT (FROM TO)');
    expect(formatSection({ part: [], text: null })).toBe('');
  });

  it('keeps folded lines of a matching field and stops at the blank line', () => {
    const block = Buffer.from('Subject: a\r\n long\r\nX-Other: b\r\nsubject: again\r\n\r\n');
    expect(filterHeaderFields(block, ['SUBJECT'], false).toString()).toBe('Subject: a\r\n long\r\nsubject: again\r\n\r\n');
    expect(filterHeaderFields(Buffer.from('A: 1\r\nB: 2'), ['a'], false).toString()).toBe('A: 1\r\n');
  });
});

describe('the encoded ENVELOPE/BODYSTRUCTURE cache', () => {
  const meta = { uid: asUid(1), envelope: analysis.envelope, structure: analysis.structure, headerSize: analysis.headerSize };

  it('gives back the encoding of the stored meta', () => {
    const entry = new EncodedMetaCache().add('a' as BlobId, meta);
    expect(entry.bodyStructure).toBe(text(bodyStructureValue(analysis.structure, true)));
    expect(entry.envelope).toBe(text(envelopeValue(analysis.envelope)));
    expect(entry.headerSize).toBe(analysis.headerSize);
  });

  it('drops the oldest entries past its bound', () => {
    const probe = new EncodedMetaCache().add('x' as BlobId, meta);
    const cache = new EncodedMetaCache(2 * (probe.envelope.length + probe.bodyStructure.length));
    for (const blob of ['a', 'b', 'c']) cache.add(blob as BlobId, meta);
    expect(['a', 'b', 'c'].map((blob) => cache.get(blob as BlobId) !== undefined)).toEqual([false, true, true]);
  });
});

describe('BODYSTRUCTURE parameters that are not ASCII', () => {
  it('re-encodes a Vietnamese file name as one RFC 2231 extended parameter, not raw 8-bit text', () => {
    const raw = Buffer.from(
      [
        'Content-Type: application/pdf; name*=utf-8\'\'B%C3%A1o%20c%C3%A1o.pdf',
        'Content-Disposition: attachment;',
        ' filename*0*=utf-8\'\'B%C3%A1o%20;',
        ' filename*1*=c%C3%A1o.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        'JVBERg==',
        '',
      ].join('\r\n'),
    );
    const encoded = text(bodyStructureValue(analyzeMessage(raw).structure, true));
    expect(encoded).toContain('("NAME*" "utf-8\'\'B%C3%A1o%20c%C3%A1o.pdf")');
    expect(encoded).toContain('("ATTACHMENT" ("FILENAME*" "utf-8\'\'B%C3%A1o%20c%C3%A1o.pdf"))');
    expect(/[^\x20-\x7e]/.test(encoded)).toBe(false);
  });
});
