import { describe, expect, it } from 'vitest';
import { MAX_ADDRESSES, MAX_MESSAGE_ADDRESSES } from '../../src/mime/addresses.js';
import { parseHeaderBlock } from '../../src/mime/header-block.js';
import { analyzeMessage, MAX_DEPTH, MAX_PARTS } from '../../src/mime/index.js';
import type { MessageAnalysis, MimePart } from '../../src/store/types.js';

/** Joins header and body lines with CRLF, the way a message arrives over SMTP. */
const crlf = (...lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

const bodyOf = (raw: Buffer, part: MimePart): string => raw.subarray(part.bodyStart, part.bodyEnd).toString('utf8');
const mimeOf = (raw: Buffer, part: MimePart): string => raw.subarray(part.headerStart, part.bodyStart).toString('utf8');

describe('analyzeMessage: a single text part', () => {
  const raw = crlf(
    'Date: Sat, 28 Nov 2026 07:00:00 +0700',
    'From: "Nguyễn Văn An" <annv@cantho.gov.vn>',
    'To: daott@cantho.gov.vn',
    'Subject: Lịch họp',
    '  tuần sau',
    'Message-ID: <1@cantho.gov.vn>',
    'In-Reply-To: <0@cantho.gov.vn>',
    '',
    'Line one',
    'Line two',
    '',
  );
  const a = analyzeMessage(raw);

  it('reads the envelope from the raw header values, unfolded, with sender and reply-to from from', () => {
    const annv = { name: 'Nguyễn Văn An', adl: null, mailbox: 'annv', host: 'cantho.gov.vn' };
    expect(a.envelope).toEqual({
      date: 'Sat, 28 Nov 2026 07:00:00 +0700',
      subject: 'Lịch họp  tuần sau',
      from: [annv],
      sender: [annv],
      replyTo: [annv],
      to: [{ name: null, adl: null, mailbox: 'daott', host: 'cantho.gov.vn' }],
      cc: null,
      bcc: null,
      inReplyTo: '<0@cantho.gov.vn>',
      messageId: '<1@cantho.gov.vn>',
    });
  });

  it('gives the RFC 2045 defaults and exact body offsets, size and lines', () => {
    const headerEnd = raw.indexOf('\r\n\r\n') + 4;
    expect(a.headerSize).toBe(headerEnd);
    expect(a.structure).toEqual({
      type: 'text',
      subtype: 'plain',
      params: { charset: 'us-ascii' },
      id: null,
      description: null,
      encoding: '7BIT',
      md5: null,
      disposition: null,
      language: null,
      location: null,
      headerStart: 0,
      bodyStart: headerEnd,
      bodyEnd: raw.length,
      size: raw.length - headerEnd,
      lines: 2,
    });
    expect(bodyOf(raw, a.structure)).toBe('Line one\r\nLine two\r\n');
  });

  it('indexes subject, addresses, every header field and body folded for Vietnamese', () => {
    expect(a.searchText).toEqual({
      subject: 'lich hop  tuan sau',
      from: 'nguyen van an annv@cantho.gov.vn',
      to: 'daott@cantho.gov.vn',
      cc: '',
      bcc: '',
      headers: [
        'date: sat, 28 nov 2026 07:00:00 +0700',
        'from: "nguyen van an" <annv@cantho.gov.vn>',
        'to: daott@cantho.gov.vn',
        'subject: lich hop  tuan sau',
        'message-id: <1@cantho.gov.vn>',
        'in-reply-to: <0@cantho.gov.vn>',
      ].join('\n'),
      body: 'line one\r\nline two\r\n',
    });
  });
});

describe('analyzeMessage: multipart', () => {
  it('splits multipart/alternative at the delimiters; the CRLF before a delimiter is not body', () => {
    const raw = crlf(
      'From: a@b.vn',
      'Content-Type: multipart/alternative; boundary="=_alt"',
      '',
      'This is a preamble.',
      '--=_alt',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Chào bạn',
      '--=_alt',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Chào <b>bạn</b></p>',
      '',
      '--=_alt--',
      'epilogue',
    );
    const a = analyzeMessage(raw);
    const [plain, html] = a.structure.children!;
    expect(a.structure.children).toHaveLength(2);
    expect([a.structure.type, a.structure.subtype, a.structure.params]).toEqual(['multipart', 'alternative', { boundary: '=_alt' }]);
    expect(bodyOf(raw, plain!)).toBe('Chào bạn');
    expect(plain!.size).toBe(Buffer.byteLength('Chào bạn'));
    // Its one line has no line end of its own: the CRLF is the delimiter's.
    expect(plain!.lines).toBe(0);
    expect(mimeOf(raw, plain!)).toBe('Content-Type: text/plain; charset=utf-8\r\n\r\n');
    expect(bodyOf(raw, html!)).toBe('<p>Chào <b>bạn</b></p>\r\n');
    expect(html!.lines).toBe(1);
    expect(a.structure.bodyEnd).toBe(raw.length);
    // RFC 2046 §5.1.4: the alternatives say the same thing; the plain one is indexed.
    expect(a.searchText.body).toBe('chao ban');
  });

  it('reads an attachment: disposition with RFC 2231 parameters, id, description, md5, language, location', () => {
    const raw = crlf(
      'Subject: report',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed;',
      '\tboundary=----=_Part_1',
      '',
      '------=_Part_1',
      'Content-Type: text/plain; charset="UTF-8"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'K=C3=ADnh g=E1=BB=ADi =',
      'anh =C4=90=C3=A0o',
      '------=_Part_1',
      'Content-Type: application/pdf;',
      " name*0*=UTF-8''B%C3%A1o%20c%C3%A1o%20;",
      ' name*1="2026.pdf"',
      'Content-Transfer-Encoding: BASE64',
      'Content-ID: <att1@cantho.gov.vn>',
      'Content-Description: =?utf-8?Q?B=C3=A1o_c=C3=A1o?=',
      'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
      "Content-Disposition: attachment; filename*=utf-8'vi'B%C3%A1o%20c%C3%A1o%202026.pdf;",
      ' size=6; creation-date="Sat, 28 Nov 2026 07:00:00 +0700"',
      'Content-Language: vi, en (fallback)',
      'Content-Location: http://cantho.gov.vn/bc.pdf',
      '',
      'JVBERi0=',
      '------=_Part_1--',
      '',
    );
    const a = analyzeMessage(raw);
    const [text, pdf] = a.structure.children!;
    expect(a.structure.params).toEqual({ boundary: '----=_Part_1' });
    expect(text!.encoding).toBe('quoted-printable');
    expect(text!.params).toEqual({ charset: 'UTF-8' });
    expect(bodyOf(raw, text!)).toBe('K=C3=ADnh g=E1=BB=ADi =\r\nanh =C4=90=C3=A0o');
    expect(text!.lines).toBe(1);
    expect(pdf).toMatchObject({
      type: 'application',
      subtype: 'pdf',
      params: { name: 'Báo cáo 2026.pdf' },
      id: '<att1@cantho.gov.vn>',
      description: '=?utf-8?Q?B=C3=A1o_c=C3=A1o?=',
      encoding: 'BASE64',
      md5: 'Q2hlY2sgSW50ZWdyaXR5IQ==',
      disposition: { type: 'attachment', params: { filename: 'Báo cáo 2026.pdf', size: '6', 'creation-date': 'Sat, 28 Nov 2026 07:00:00 +0700' } },
      language: ['vi', 'en'],
      location: 'http://cantho.gov.vn/bc.pdf',
      lines: 0,
      size: 8,
    });
    expect(bodyOf(raw, pdf!)).toBe('JVBERi0=');
    expect(a.searchText.body).toBe('kinh gui anh dao');
  });

  it('encloses a message/rfc822 with its own envelope and structure, offsets into the outer message', () => {
    const inner = [
      'From: Lê Ân <anl@cantho.gov.vn>',
      'Subject: =?utf-8?B?VOG7nSB0csOsbmg=?=',
      'Content-Type: multipart/mixed; boundary=inner',
      '',
      '--inner',
      '',
      'Nội dung',
      '--inner--',
    ];
    const raw = crlf(
      'From: fwd@cantho.gov.vn',
      'Content-Type: multipart/mixed; boundary=outer',
      '',
      '--outer',
      'Content-Type: text/plain',
      '',
      'See below.',
      '--outer',
      'Content-Type: message/rfc822',
      'Content-Disposition: inline',
      '',
      ...inner,
      '--outer--',
    );
    const a = analyzeMessage(raw);
    const rfc822 = a.structure.children![1]!;
    expect([rfc822.type, rfc822.subtype]).toEqual(['message', 'rfc822']);
    expect(bodyOf(raw, rfc822)).toBe(inner.join('\r\n'));
    expect(rfc822.lines).toBe(inner.length - 1);
    const { envelope, structure } = rfc822.message!;
    expect(envelope.subject).toBe('=?utf-8?B?VOG7nSB0csOsbmg=?=');
    expect(envelope.from).toEqual([{ name: 'Lê Ân', adl: null, mailbox: 'anl', host: 'cantho.gov.vn' }]);
    expect(structure.headerStart).toBe(rfc822.bodyStart);
    expect(structure.bodyEnd).toBe(rfc822.bodyEnd);
    const innerText = structure.children![0]!;
    expect(innerText.params).toEqual({ charset: 'us-ascii' });
    expect(mimeOf(raw, innerText)).toBe('\r\n');
    expect(bodyOf(raw, innerText)).toBe('Nội dung');
    expect(a.searchText.body).toBe('see below.\nto trinh le an anl@cantho.gov.vn\nnoi dung');
  });

  it('reads parts of a multipart/digest as message/rfc822 by default (RFC 2046 §5.1.5)', () => {
    const raw = crlf('Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: one', '', 'first', '--d--');
    const part = analyzeMessage(raw).structure.children![0]!;
    expect([part.type, part.subtype]).toEqual(['message', 'rfc822']);
    expect(part.message!.envelope.subject).toBe('one');
    expect(bodyOf(raw, part.message!.structure)).toBe('first');
  });

  it('ends the last part at the end of the body when the close delimiter is missing', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--b', '', 'two, cut short');
    const parts = analyzeMessage(raw).structure.children!;
    expect(parts.map((p) => bodyOf(raw, p))).toEqual(['one', 'two, cut short']);
  });

  it('reads a multipart without a boundary parameter or without any delimiter as one text/plain body', () => {
    for (const contentType of ['multipart/mixed', 'multipart/mixed; boundary=nowhere']) {
      const raw = crlf(`Content-Type: ${contentType}`, '', 'just text', '');
      const { structure } = analyzeMessage(raw);
      expect([structure.type, structure.subtype, structure.children, structure.params['charset']]).toEqual(['text', 'plain', undefined, 'us-ascii']);
      expect(bodyOf(raw, structure)).toBe('just text\r\n');
      expect(structure.lines).toBe(1);
    }
  });

  it('takes a line starting with the delimiter for a delimiter, whatever follows (RFC 2046 §5.1.1 note), but not one inside a line', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'x --b', ' --b', '--b  padding', '', 'y', '--b--');
    const parts = analyzeMessage(raw).structure.children!;
    expect(parts.map((p) => bodyOf(raw, p))).toEqual(['x --b\r\n --b', 'y']);
  });

  it('matches the longest of boundaries that prefix each other, and lets a nested multipart own a reused boundary', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: multipart/alternative; boundary=b_2',
      '',
      '--b_2',
      '',
      'inner one',
      '--b_2',
      'Content-Type: multipart/related; boundary=b',
      '',
      '--b',
      '',
      'reused',
      '--b--',
      '--b_2--',
      '--b',
      '',
      'outer two',
      '--b--',
    );
    const [alternative, outerTwo] = analyzeMessage(raw).structure.children!;
    const [innerOne, related] = alternative!.children!;
    expect(bodyOf(raw, innerOne!)).toBe('inner one');
    expect(bodyOf(raw, related!.children![0]!)).toBe('reused');
    expect(bodyOf(raw, outerTwo!)).toBe('outer two');
  });

  it('gives a part with no header and no body zero-length ranges at the right place', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '--b', 'Content-Type: text/plain', '--b--');
    const [empty, headerOnly] = analyzeMessage(raw).structure.children!;
    expect(empty).toMatchObject({ size: 0, lines: 0 });
    expect(empty!.headerStart).toBe(empty!.bodyEnd);
    expect(mimeOf(raw, headerOnly!)).toBe('Content-Type: text/plain');
    expect(headerOnly!.size).toBe(0);
  });

  it('gives an empty message/rfc822 part an empty enclosed message', () => {
    const raw = crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: message/rfc822', '', '--b--');
    const part = analyzeMessage(raw).structure.children![0]!;
    expect(mimeOf(raw, part)).toBe('Content-Type: message/rfc822\r\n');
    expect(part.size).toBe(0);
    expect(part.message!.envelope).toMatchObject({ subject: null, from: null });
    expect(part.message!.structure).toMatchObject({ type: 'text', subtype: 'plain', headerStart: part.bodyStart, bodyEnd: part.bodyEnd });
  });
});

describe('analyzeMessage: content headers', () => {
  const structureOf = (...header: string[]) => analyzeMessage(crlf(...header, '', 'body')).structure;

  it('reads type and subtype case-insensitively, around comments and spaces', () => {
    expect(structureOf('Content-Type: Text/HTML (rich) ; Charset = "UTF-8" (comment)')).toMatchObject({
      type: 'text',
      subtype: 'html',
      params: { charset: 'UTF-8' },
    });
  });

  it('gives text without a charset parameter charset=us-ascii (RFC 2045 §5.2), other types no default', () => {
    expect(structureOf('Content-Type: text/html; format=flowed').params).toEqual({ format: 'flowed', charset: 'us-ascii' });
    expect(structureOf('Content-Type: image/png').params).toEqual({});
  });

  it('falls back to text/plain; charset=us-ascii for an invalid Content-Type (RFC 2045 §5.2)', () => {
    for (const invalid of ['text', '/plain', 'text/', 'text/pl ain', '']) {
      expect(structureOf(`Content-Type: ${invalid}`)).toMatchObject({ type: 'text', subtype: 'plain', params: { charset: 'us-ascii' } });
    }
  });

  it('keeps the transfer encoding as written, without comments, 7BIT when absent', () => {
    expect(structureOf('Content-Transfer-Encoding: Quoted-Printable (why not)').encoding).toBe('Quoted-Printable');
    expect(structureOf('Subject: x').encoding).toBe('7BIT');
  });

  it('keeps encoded-words in parameter values but decodes RFC 2231 sections in index order', () => {
    expect(
      structureOf(
        'Content-Type: application/octet-stream; name="=?utf-8?B?w6E=?="; title*1*=%C3%A1; title*0*=utf-8\'en\'a%20; title="old"; NAME=second',
      ).params,
    ).toEqual({ name: '=?utf-8?B?w6E=?=', title: 'a á' });
  });

  it('makes message/rfc822 parts nested deeper than the limit opaque', () => {
    let text = 'Subject: innermost\r\n\r\nbody';
    for (let i = 0; i < MAX_DEPTH + 10; i++) text = `Content-Type: message/rfc822\r\n\r\n${text}`;
    let part = analyzeMessage(Buffer.from(text)).structure;
    let levels = 0;
    while (part.message) {
      part = part.message.structure;
      levels++;
    }
    expect(levels).toBe(MAX_DEPTH);
    expect([part.type, part.subtype]).toEqual(['application', 'octet-stream']);
  });
});

describe('analyzeMessage: envelope addresses', () => {
  const envelopeOf = (header: string) => analyzeMessage(crlf(header, '', '')).envelope;
  const addr = (name: string | null, mailbox: string | null, host: string | null, adl: string | null = null) => ({ name, adl, mailbox, host });

  it('gives groups as RFC 3501 start and end markers', () => {
    expect(envelopeOf('To: Phòng A: a@x.vn, "B" <b@x.vn>;, c@y.vn, undisclosed-recipients:;').to).toEqual([
      addr(null, 'Phòng A', null),
      addr(null, 'a', 'x.vn'),
      addr('B', 'b', 'x.vn'),
      addr(null, null, null),
      addr(null, 'c', 'y.vn'),
      addr(null, 'undisclosed-recipients', null),
      addr(null, null, null),
    ]);
  });

  it('closes a group left open at the end of the field', () => {
    expect(envelopeOf('Cc: team: a@x.vn').cc).toEqual([addr(null, 'team', null), addr(null, 'a', 'x.vn'), addr(null, null, null)]);
  });

  it('unquotes names, uses a comment as the name, keeps a quoted local part, reads routes and literals', () => {
    expect(
      envelopeOf(
        'From: "Trần \\"Út\\" Thị" <ut@x.vn>, dao@x.vn (Đào Thị), John Q. Public <jqp@x.org>, "a b"@x.vn, <@relay.vn,@r2.vn:r@y.vn>, u@[10.0.0.1]',
      ).from,
    ).toEqual([
      addr('Trần "Út" Thị', 'ut', 'x.vn'),
      addr('Đào Thị', 'dao', 'x.vn'),
      addr('John Q. Public', 'jqp', 'x.org'),
      addr(null, '"a b"', 'x.vn'),
      addr(null, 'r', 'y.vn', '@relay.vn,@r2.vn'),
      addr(null, 'u', '[10.0.0.1]'),
    ]);
  });

  it('gives a NIL host when the domain is missing, and an empty address for <>', () => {
    expect(envelopeOf('To: postmaster, Some One <someone>').to).toEqual([addr(null, 'postmaster', null), addr('Some One', 'someone', null)]);
    expect(envelopeOf('From: <>').from).toEqual([addr(null, '', '')]);
  });

  it('gives NIL for an empty address field, and takes sender and reply-to when present', () => {
    const env = envelopeOf('From: a@x.vn\r\nSender: s@x.vn\r\nReply-To: r@x.vn\r\nTo:   \r\nBcc: b@x.vn');
    expect(env.to).toBeNull();
    expect(env.sender).toEqual([addr(null, 's', 'x.vn')]);
    expect(env.replyTo).toEqual([addr(null, 'r', 'x.vn')]);
    expect(env.bcc).toEqual([addr(null, 'b', 'x.vn')]);
  });

  it('reads at most MAX_ADDRESSES addresses of a field', () => {
    const env = envelopeOf(`To: ${'a@x.vn, '.repeat(MAX_ADDRESSES + 100)}`);
    expect(env.to).toHaveLength(MAX_ADDRESSES);
  });

  it('reads at most MAX_MESSAGE_ADDRESSES for all envelopes of a message, the outer envelope first', () => {
    const lines = ['To: first@x.vn, second@x.vn', 'Content-Type: multipart/digest; boundary=d', ''];
    for (let i = 0; i < 150; i++) lines.push('--d', '', `To: ${'a@x.vn, '.repeat(1000)}`, '', 'digest entry');
    lines.push('--d--');
    const a = analyzeMessage(crlf(...lines));
    expect(a.envelope.to).toHaveLength(2);
    const counts = a.structure.children!.map((part) => part.message!.envelope.to?.length ?? 0);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(MAX_MESSAGE_ADDRESSES - 2);
    expect(counts.at(-1)).toBe(0);
  });

  it('drops NULs and line breaks from header values (no IMAP string can carry a NUL)', () => {
    const raw = Buffer.concat([Buffer.from('Subject: a'), Buffer.from([0]), Buffer.from('b\r\n\tc\r\n\r\n')]);
    expect(analyzeMessage(raw).envelope.subject).toBe('ab\tc');
  });

  it('finds any field asked for by name, however long the name (IMAP SEARCH HEADER uses the header reader too)', () => {
    const name = `X-${'Long-'.repeat(30)}Name`;
    const raw = crlf(`${name.toUpperCase()} :  folded`, '\tvalue ', `${name}: second`, '', 'body');
    const block = parseHeaderBlock(raw, 0, raw.length, new Set([name.toLowerCase()]));
    expect([...block.fields]).toEqual([[name.toLowerCase(), 'folded\tvalue']]);
    expect(block.bodyStart).toBe(raw.indexOf('body'));
  });

  it('reads header names case-insensitively and takes the first of repeated fields', () => {
    const env = envelopeOf('SUBJECT: first\r\nsubject: second\r\nfRoM : a@x.vn');
    expect(env.subject).toBe('first');
    expect(env.from).toEqual([addr(null, 'a', 'x.vn')]);
  });
});

describe('analyzeMessage: decoding for the search index', () => {
  it('keeps encoded-words raw in the envelope and decodes them for search', () => {
    const raw = crlf(
      'Subject: =?utf-8?B?VGjGsCBt4budaSBo4buNcA==?= =?utf-8?Q?_=C4=91=E1=BB=8Bnh_k=E1=BB=B3?=',
      'From: =?utf-8?Q?Ph=C3=B2ng_T=E1=BB=95_ch=E1=BB=A9c?= <tochuc@cantho.gov.vn>',
      '',
      '',
    );
    const a = analyzeMessage(raw);
    expect(a.envelope.subject).toBe('=?utf-8?B?VGjGsCBt4budaSBo4buNcA==?= =?utf-8?Q?_=C4=91=E1=BB=8Bnh_k=E1=BB=B3?=');
    expect(a.envelope.from![0]!.name).toBe('=?utf-8?Q?Ph=C3=B2ng_T=E1=BB=95_ch=E1=BB=A9c?=');
    expect(a.searchText.subject).toBe('thu moi hop dinh ky');
    expect(a.searchText.from).toBe('phong to chuc tochuc@cantho.gov.vn');
  });

  it('decodes base64 bodies and legacy charsets (windows-1258, iso-8859-1)', () => {
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('Đà Nẵng').toString('base64'),
      '--b',
      'Content-Type: text/plain; charset=windows-1258',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      // "Cần Thơ" in windows-1258: â = E2, ` = combining grave CC, ơ = F5.
      'C=E2=CCn Th=F5',
      '--b',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'caf=E9',
      '--b--',
    );
    expect(analyzeMessage(raw).searchText.body).toBe('da nang\ncan tho\ncafe');
  });

  it('strips tags, scripts, styles and comments from HTML and resolves character references', () => {
    const raw = crlf(
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><head><title>t</title><style>p{x:1}</style></head><body><!-- c -->',
      '<p>Ph&ograve;ng &amp; Ban</p><script>alert(1)</script><p>&#272;&#7889;i 3 &lt; 4&#x21;</p></body></html>',
    );
    expect(analyzeMessage(raw).searchText.body.replace(/\s+/g, ' ').trim()).toBe('phong & ban doi 3 < 4!');
  });

  it('caps the indexed body text', () => {
    const raw = crlf('Subject: big', '', 'a'.repeat(3_000_000));
    expect(analyzeMessage(raw).searchText.body.length).toBe(1_000_000);
  });
});

/**
 * CPU milliseconds one analysis takes, after a warm-up on other multipart messages: a server
 * analyses every delivery, so what counts is the steady state, not the first call while the JIT
 * compiles. CPU time rather than wall time, so a machine shared with other test runs cannot make
 * a fast analysis look slow.
 */
function timeAnalysis(raw: Buffer): { elapsed: number; analysis: MessageAnalysis } {
  const warmUp = ['Content-Type: multipart/mixed; boundary=w', ''];
  for (let i = 0; i < 300; i++) warmUp.push('--w', 'Content-Type: text/plain', 'Content-Transfer-Encoding: base64', '', 'd2FybQ==');
  for (let i = 0; i < 5; i++) analyzeMessage(crlf(...warmUp, '--w--'));
  const started = process.cpuUsage();
  const analysis = analyzeMessage(raw);
  const used = process.cpuUsage(started);
  return { elapsed: (used.user + used.system) / 1000, analysis };
}

describe('analyzeMessage: line ends and limits', () => {
  it('reads a message with bare LF line ends (mbox import)', () => {
    const raw = Buffer.from(
      ['Subject: lf', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'one', 'two', '--b', '', 'three', '--b--', ''].join('\n'),
    );
    const a = analyzeMessage(raw);
    expect(a.envelope.subject).toBe('lf');
    expect(a.headerSize).toBe(raw.indexOf('\n\n') + 2);
    const [one, three] = a.structure.children!;
    expect(bodyOf(raw, one!)).toBe('one\ntwo');
    expect(one!.lines).toBe(1);
    expect(mimeOf(raw, one!)).toBe('Content-Type: text/plain\n\n');
    expect(bodyOf(raw, three!)).toBe('three');
  });

  it('reads a message without a body', () => {
    const raw = crlf('Subject: header only');
    const a = analyzeMessage(raw);
    expect(a.headerSize).toBe(raw.length);
    expect(a.structure).toMatchObject({ bodyStart: raw.length, bodyEnd: raw.length, size: 0, lines: 0 });
    expect(a.envelope.subject).toBe('header only');
  });

  it('splits a message of 5,000 parts (CPU time printed)', () => {
    const lines = ['Content-Type: multipart/mixed; boundary=p', ''];
    for (let i = 0; i < 5000; i++) lines.push('--p', 'Content-Type: text/plain', '', `part ${i}`);
    lines.push('--p--', '');
    const raw = crlf(...lines);
    const { elapsed, analysis: a } = timeAnalysis(raw);
    expect(a.structure.children).toHaveLength(5000);
    expect(bodyOf(raw, a.structure.children![4999]!)).toBe('part 4999');
    console.log(`analyzeMessage, 5,000 parts: ${elapsed.toFixed(0)} ms of CPU`);
  });

  it('analyzes a 25 MB message with a base64 attachment (CPU time printed)', () => {
    const attachment = Buffer.alloc(18_000_000, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      '',
      'see attachment',
      '--b',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      attachment,
      '--b--',
    );
    expect(raw.length).toBeGreaterThan(24_000_000);
    const { elapsed, analysis: a } = timeAnalysis(raw);
    expect(a.structure.children![1]!.size).toBe(attachment.length);
    console.log(`analyzeMessage, 25 MB: ${elapsed.toFixed(0)} ms of CPU`);
  });

  it('treats multiparts nested deeper than the limit as opaque bodies, without overflowing the stack', () => {
    const depth = 10_000;
    let text = 'innermost';
    for (let i = depth; i > 0; i--) text = `Content-Type: multipart/mixed; boundary==_${i}_=\r\n\r\n--=_${i}_=\r\n${text}\r\n--=_${i}_=--`;
    const raw = Buffer.from(text);
    let part = analyzeMessage(raw).structure;
    let levels = 0;
    while (part.children) {
      part = part.children[0]!;
      levels++;
    }
    expect(levels).toBe(MAX_DEPTH);
    expect([part.type, part.subtype]).toEqual(['application', 'octet-stream']);
  });

  it('stops splitting at the part-count limit', () => {
    const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${'--p\r\n\r\nx\r\n'.repeat(MAX_PARTS + 500)}--p--`);
    const a = analyzeMessage(raw);
    expect(a.structure.children).toHaveLength(MAX_PARTS - 1);
  });
});
