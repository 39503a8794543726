import { describe, expect, it } from 'vitest';
import { envelopeValue } from '../../src/imap/fetch/envelope.js';
import { encodeValue } from '../../src/imap/responses.js';
import { analyzeMessage } from '../../src/mime/index.js';

const envelopeOf = (header: string) => encodeValue(envelopeValue(analyzeMessage(Buffer.from(`${header}\r\n\r\nbody\r\n`)).envelope)).toString('utf8');

describe('ENVELOPE (RFC 3501 §7.4.2)', () => {
  it('fills sender and reply-to from From and keeps encoded-words as sent', () => {
    expect(
      envelopeOf(
        [
          'Date: Sat, 28 Nov 2026 08:00:00 +0700',
          'Subject: =?utf-8?Q?B=C3=A1o_c=C3=A1o?=',
          'From: "Phòng Hành chính" <hc@cantho.gov.vn>',
          'To: annv@cantho.gov.vn, "Lê B" <leb@example.org>',
          'Cc: ',
          'In-Reply-To: <a@b>',
          'Message-ID: <m@cantho.gov.vn>',
        ].join('\r\n'),
      ),
    ).toBe(
      `("Sat, 28 Nov 2026 08:00:00 +0700" "=?utf-8?Q?B=C3=A1o_c=C3=A1o?=" (({${Buffer.byteLength('Phòng Hành chính')}}\r\nPhòng Hành chính NIL "hc" "cantho.gov.vn")) ` +
        `(({${Buffer.byteLength('Phòng Hành chính')}}\r\nPhòng Hành chính NIL "hc" "cantho.gov.vn")) (({${Buffer.byteLength('Phòng Hành chính')}}\r\nPhòng Hành chính NIL "hc" "cantho.gov.vn")) ` +
        '((NIL NIL "annv" "cantho.gov.vn")("Lê B" NIL "leb" "example.org")) NIL NIL "<a@b>" "<m@cantho.gov.vn>")'.replace('"Lê B"', `{${Buffer.byteLength('Lê B')}}\r\nLê B`),
    );
  });

  it('answers NIL for every field a message lacks', () => {
    expect(envelopeOf('X-Nothing: here')).toBe('(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
  });

  it('writes a group as start and end markers', () => {
    expect(envelopeOf('From: a@b.c\r\nTo: Đội ngũ: x@y.z, w@y.z;')).toContain(
      `((NIL NIL {${Buffer.byteLength('Đội ngũ')}}\r\nĐội ngũ NIL)(NIL NIL "x" "y.z")(NIL NIL "w" "y.z")(NIL NIL NIL NIL))`,
    );
  });
});
