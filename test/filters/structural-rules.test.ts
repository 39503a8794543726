import { describe, expect, it } from 'vitest';
import { readMessage } from '../../src/filters/message.js';
import { parseRulesText } from '../../src/filters/rules/load.js';
import { STRUCTURAL_RULES } from '../../src/filters/structure/rules.js';
import { compose, inbound, plain } from './support.js';

/**
 * Each built-in structural rule (src/filters/structure/rules.ts) on a message made to trip it and
 * on an ordinary one that must not. Messages are real MIME, composed by nodemailer or by hand.
 */
const DATED = { Date: 'Tue, 1 Sep 2026 08:00:00 +0700', 'Message-ID': '<a1@mail.example.net>' };

async function hits(raw: Buffer): Promise<string[]> {
  const view = await readMessage(raw);
  return STRUCTURAL_RULES.filter((rule) => rule.test(view, inbound())).map((rule) => rule.id);
}

function html(body: string, headers: Record<string, string> = DATED): Buffer {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.from(`From: Sender <sender@example.net>\r\nTo: annv@cantho.gov.vn\r\nSubject: x\r\n${extra}MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${body}\r\n`);
}

const ordinary = plain('Báo cáo tháng 9', 'Kính gửi anh An, em gửi báo cáo tại https://cantho.gov.vn/bao-cao.', DATED);

describe('structural rules', () => {
  it('every rule has an id, a description and a default score, and an ordinary message hits none', async () => {
    for (const rule of STRUCTURAL_RULES) {
      expect(rule.id).toMatch(/^[A-Z0-9_]+$/);
      expect(rule.description.length).toBeGreaterThan(10);
      expect(Number.isFinite(rule.score)).toBe(true);
    }
    expect(new Set(STRUCTURAL_RULES.map((r) => r.id)).size).toBe(STRUCTURAL_RULES.length);
    expect(await hits(ordinary)).toEqual([]);
  });

  it('MISSING_DATE: no Date header', async () => {
    expect(await hits(plain('x', 'y', { 'Message-ID': '<a@b.example>' }))).toContain('MISSING_DATE');
  });

  it('MALFORMED_DATE: a Date not in RFC 5322 form', async () => {
    expect(await hits(plain('x', 'y', { ...DATED, Date: '2026-09-01 08:00' }))).toContain('MALFORMED_DATE');
    expect(await hits(plain('x', 'y', { ...DATED, Date: '1 Sep 2026 08:00:00 GMT' }))).not.toContain('MALFORMED_DATE');
  });

  it('MISSING_MESSAGE_ID and MALFORMED_MESSAGE_ID', async () => {
    expect(await hits(plain('x', 'y', { Date: DATED.Date }))).toContain('MISSING_MESSAGE_ID');
    expect(await hits(plain('x', 'y', { ...DATED, 'Message-ID': '12345' }))).toContain('MALFORMED_MESSAGE_ID');
  });

  it('HTML_ONLY: HTML without a plain alternative; not when both are there', async () => {
    expect(await hits(html('<p>Hello there, a real paragraph of text for the reader.</p>'))).toContain('HTML_ONLY');
    const both = await compose({ text: 'Hello', html: '<p>Hello</p>', date: new Date(), messageId: '<m@example.net>' });
    expect(await hits(both)).not.toContain('HTML_ONLY');
  });

  it('HTML_HIDDEN_TEXT: display:none, tiny font or white on white', async () => {
    expect(await hits(html('<p>Offer</p><div style="display:none">grandma recipe words</div>'))).toContain('HTML_HIDDEN_TEXT');
    expect(await hits(html('<p>Offer</p><span style="font-size:1px">hidden</span>'))).toContain('HTML_HIDDEN_TEXT');
    expect(await hits(html('<p style="color:#333">Visible text only</p>'))).not.toContain('HTML_HIDDEN_TEXT');
  });

  it('HTML_IMAGE_ONLY: an image and almost no words', async () => {
    expect(await hits(html('<a href="http://shop.example"><img src="http://shop.example/offer.png"></a>'))).toContain('HTML_IMAGE_ONLY');
    expect(await hits(html(`<img src="http://cantho.gov.vn/logo.png"><p>${'Nội dung công văn. '.repeat(20)}</p>`))).not.toContain('HTML_IMAGE_ONLY');
  });

  it('OBFUSCATED_WORD: V1agra, f.r.e.e.m.o.n.e.y', async () => {
    expect(await hits(plain('Cheap V1agra', 'buy now', DATED))).toContain('OBFUSCATED_WORD');
    expect(await hits(plain('x', 'get f.r.e.e.m.o.n.e.y today', DATED))).toContain('OBFUSCATED_WORD');
    expect(await hits(plain('x', 'theo Nghị định 13/2023/NĐ-CP, mục a.b', DATED))).not.toContain('OBFUSCATED_WORD');
  });

  it('URI_IP_HOST: a link to a numeric IP', async () => {
    expect(await hits(plain('x', 'login at http://203.0.113.9/bank/', DATED))).toContain('URI_IP_HOST');
  });

  it('URI_SHORTENED: a link through a shortener', async () => {
    expect(await hits(plain('x', 'see https://bit.ly/3abc', DATED))).toContain('URI_SHORTENED');
  });

  it('LINK_TEXT_MISMATCH: the link shows one site and leads to another', async () => {
    expect(await hits(html('<a href="http://evil.example/login">https://dichvucong.gov.vn</a>'))).toContain('LINK_TEXT_MISMATCH');
    expect(await hits(html('<a href="https://www.dichvucong.gov.vn/p">dichvucong.gov.vn</a> trang'))).not.toContain('LINK_TEXT_MISMATCH');
  });

  it('BASE64_TEXT: a text part in base64; not a base64 attachment', async () => {
    const b64 = Buffer.from('Kính gửi anh').toString('base64');
    const raw = Buffer.from(`From: a@example.net\r\nTo: annv@cantho.gov.vn\r\nDate: ${DATED.Date}\r\nMessage-ID: <b@example.net>\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n`);
    expect(await hits(raw)).toContain('BASE64_TEXT');
    const attached = await compose({ text: 'xem tệp', attachments: [{ filename: 'a.txt', content: 'hello' }], date: new Date(), messageId: '<c@example.net>' });
    expect(await hits(attached)).not.toContain('BASE64_TEXT');
  });

  it('ATTACH_EXECUTABLE_FILE, ATTACH_DOUBLE_EXT and ATTACH_MACRO_DOCUMENT', async () => {
    const withFile = (filename: string) => compose({ text: 'xem tệp', attachments: [{ filename, content: 'MZ' }], date: new Date(), messageId: '<d@example.net>' });
    expect(await hits(await withFile('setup.exe'))).toContain('ATTACH_EXECUTABLE_FILE');
    expect(await hits(await withFile('hoa_don.pdf.exe'))).toEqual(expect.arrayContaining(['ATTACH_DOUBLE_EXT', 'ATTACH_EXECUTABLE_FILE']));
    expect(await hits(await withFile('bang_luong.xlsm'))).toContain('ATTACH_MACRO_DOCUMENT');
    expect(await hits(await withFile('cong_van.pdf'))).toEqual([]);
  });

  it('FROM_NAME_HAS_OTHER_ADDRESS: the display name shows another domain\u2019s address', async () => {
    const raw = plain('x', 'y', DATED).toString().replace('From: Sender <sender@example.net>', 'From: "support@bank.example" <x@evil.example>');
    expect(await hits(Buffer.from(raw))).toContain('FROM_NAME_HAS_OTHER_ADDRESS');
    const same = plain('x', 'y', DATED).toString().replace('From: Sender <sender@example.net>', 'From: "an@example.net" <an@example.net>');
    expect(await hits(Buffer.from(same))).not.toContain('FROM_NAME_HAS_OTHER_ADDRESS');
  });

  it('REPLY_TO_DIFFERS: answers go to another domain', async () => {
    expect(await hits(plain('x', 'y', { ...DATED, 'Reply-To': 'claims@other.example' }))).toContain('REPLY_TO_DIFFERS');
    expect(await hits(plain('x', 'y', { ...DATED, 'Reply-To': 'desk@mail.example.net' }))).not.toContain('REPLY_TO_DIFFERS');
  });

  it('TO_UNDISCLOSED: no visible recipient', async () => {
    const raw = plain('x', 'y', DATED).toString().replace('To: annv@cantho.gov.vn', 'To: undisclosed-recipients:;');
    expect(await hits(Buffer.from(raw))).toContain('TO_UNDISCLOSED');
  });
});

describe('built-in rules in the rules file', () => {
  const file = (body: string) => parseRulesText(`[thresholds]\njunk_at = 5.0\nreject_at = 15.0\n\n${body}`, 'spam-rules.toml');
  const scoreOf = (body: string, id: string) => {
    const loaded = file(body);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
    return loaded.rules.rules.find((r) => r.id === id)?.score;
  };

  it('are off unless [builtin] enabled = true', () => {
    expect(scoreOf('', 'MISSING_DATE')).toBeUndefined();
    expect(scoreOf('[builtin]\nenabled = true\n', 'MISSING_DATE')).toBe(1);
  });

  it('take the admin\u2019s [scores] over spam tune\u2019s [tuned] over the default; BAYES in [tuned] sets the Bayes weight', () => {
    const on = '[builtin]\nenabled = true\n';
    expect(scoreOf(`${on}[tuned]\nMISSING_DATE = 2.5\n`, 'MISSING_DATE')).toBe(2.5);
    expect(scoreOf(`${on}[scores]\nMISSING_DATE = 0.0\n[tuned]\nMISSING_DATE = 2.5\n`, 'MISSING_DATE')).toBe(0);
    const tuned = file(`${on}[tuned]\nBAYES = 6.5\n`);
    expect(tuned.ok && tuned.rules.bayes.weight).toBe(6.5);
    const explicit = file(`${on}[bayes]\nweight = 3.0\n[tuned]\nBAYES = 6.5\n`);
    expect(explicit.ok && explicit.rules.bayes.weight).toBe(3);
  });

  it('refuses a score for a rule that does not exist, with its line', () => {
    const loaded = file('[scores]\nMISING_DATE = 1.0\n');
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.error).toMatchObject({ kind: 'invalid', line: 6, keyPath: 'scores.MISING_DATE' });
  });
});
