import libmime from 'libmime';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../src/mime/index.js';
import type { MimePart } from '../../src/store/types.js';

/** Messages written by nodemailer, a composer we did not write: the analysis must find every piece it put in. */
async function compose(newline: 'windows' | 'unix', mail: SendMailOptions): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline });
  const info = await transport.sendMail(mail);
  return info.message as Buffer;
}

const bodyOf = (raw: Buffer, part: MimePart): Buffer => raw.subarray(part.bodyStart, part.bodyEnd);
const shape = (part: MimePart): unknown =>
  part.children ? [`${part.type}/${part.subtype}`, part.children.map(shape)] : `${part.type}/${part.subtype}`;

const longName = 'Tờ trình số 12 về việc điều chỉnh kế hoạch năm 2026 của Ủy ban nhân dân thành phố Cần Thơ.pdf';
const pdf = Buffer.from('%PDF-1.4 fake content \x00\x01\x02', 'latin1');
const text = 'Kính gửi các đồng chí,\nđề nghị xem tờ trình đính kèm.\n';
const html = '<p>Kính gửi các đồng chí,</p><p>đề nghị xem <b>tờ trình</b> đính kèm.</p>';

describe.each(['windows', 'unix'] as const)('analyzeMessage on nodemailer output (%s line ends)', (newline) => {
  it('finds the alternative texts, an attachment with a long Vietnamese RFC 2231 filename and a forwarded message', async () => {
    const forwarded = await compose(newline, {
      from: 'Lê Ân <anl@cantho.gov.vn>',
      to: 'annv@cantho.gov.vn',
      subject: 'Thư gốc',
      text: 'Nội dung thư gốc',
    });
    const raw = await compose(newline, {
      from: '"Nguyễn Văn An" <annv@cantho.gov.vn>',
      to: ['Trần Thị Đào <daott@cantho.gov.vn>', 'vpubnd@cantho.gov.vn'],
      cc: 'Phòng Tổ chức: tochuc1@cantho.gov.vn, tochuc2@cantho.gov.vn;',
      subject: 'Báo cáo tuần về việc điều chỉnh kế hoạch',
      messageId: '<bc-2026@cantho.gov.vn>',
      textEncoding: 'base64',
      text,
      html,
      attachments: [
        { filename: longName, content: pdf, contentType: 'application/pdf' },
        { filename: 'thu-goc.eml', content: forwarded, contentType: 'message/rfc822' },
      ],
    });

    const a = analyzeMessage(raw);
    expect(shape(a.structure)).toEqual([
      'multipart/mixed',
      [['multipart/alternative', ['text/plain', 'text/html']], 'application/pdf', 'message/rfc822'],
    ]);
    const [alternative, attachment, message] = a.structure.children!;
    const [plain, rich] = alternative!.children!;
    expect(plain!.encoding.toLowerCase()).toBe('base64');
    expect(Buffer.from(bodyOf(raw, plain!).toString('latin1'), 'base64').toString('utf8')).toBe(text);
    expect(Buffer.from(bodyOf(raw, rich!).toString('latin1'), 'base64').toString('utf8')).toBe(html);

    expect(attachment!.disposition).toEqual({ type: 'attachment', params: { filename: longName } });
    // nodemailer also gives the name as encoded-words, which parameters keep as written.
    expect(attachment!.params['name']).toMatch(/^=\?UTF-8\?[BQ]\?/);
    expect(libmime.decodeWords(attachment!.params['name']!)).toBe(longName);
    expect(Buffer.from(bodyOf(raw, attachment!).toString('latin1'), 'base64')).toEqual(pdf);

    expect(bodyOf(raw, message!).toString()).toBe(forwarded.toString());
    const [sender] = message!.message!.envelope.from!;
    expect([libmime.decodeWords(sender!.name!), sender!.mailbox, sender!.host]).toEqual(['Lê Ân', 'anl', 'cantho.gov.vn']);

    expect(a.envelope.messageId).toBe('<bc-2026@cantho.gov.vn>');
    expect(a.envelope.subject).toMatch(/^=\?UTF-8\?/i);
    expect(a.envelope.to!.map((t) => `${t.mailbox}@${t.host}`)).toEqual(['daott@cantho.gov.vn', 'vpubnd@cantho.gov.vn']);
    // The group name is an encoded-word in the header, and stays one in the envelope.
    expect(a.envelope.cc![0]!.mailbox).toMatch(/^=\?UTF-8\?[BQ]\?/);
    expect(a.envelope.cc!.map((t) => [t.mailbox && libmime.decodeWords(t.mailbox), t.host])).toEqual([
      ['Phòng Tổ chức', null],
      ['tochuc1', 'cantho.gov.vn'],
      ['tochuc2', 'cantho.gov.vn'],
      [null, null],
    ]);
    expect(a.searchText.cc).toBe('phong to chuc tochuc1@cantho.gov.vn tochuc2@cantho.gov.vn');
    expect(a.searchText.subject).toBe('bao cao tuan ve viec dieu chinh ke hoach');
    expect(a.searchText.to).toBe('tran thi dao daott@cantho.gov.vn vpubnd@cantho.gov.vn');
    expect(a.searchText.body).toContain('de nghi xem to trinh dinh kem.');
    expect(a.searchText.body).toContain('thu goc le an anl@cantho.gov.vn');
    expect(a.searchText.body).toContain('noi dung thu goc');
  });
});
