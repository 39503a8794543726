import nodemailer, { type SendMailOptions } from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { analyzeMessage, withPrefixFields } from '../../src/mime/index.js';

/**
 * The MX stores its filter's fields on top of a message it analysed without them (src/smtp
 * inbound.ts): the analysis moved down by those fields must be exactly the analysis of the
 * stored bytes, or FETCH would serve the wrong ranges.
 */
async function compose(): Promise<Buffer> {
  const forwarded = await mail({ from: 'Lê Ân <anl@cantho.gov.vn>', to: 'annv@cantho.gov.vn', subject: 'Thư gốc', text: 'Nội dung thư gốc' });
  return mail({
    from: '"Nguyễn Văn An" <annv@cantho.gov.vn>',
    to: 'Trần Thị Đào <daott@cantho.gov.vn>',
    subject: 'Báo cáo tuần',
    text: 'Kính gửi các đồng chí,\nđề nghị xem tờ trình đính kèm.\n',
    html: '<p>Kính gửi các đồng chí</p>',
    attachments: [
      { filename: 'to-trinh.pdf', content: Buffer.from('%PDF-1.4 fake\x00\x01', 'latin1') },
      { filename: 'thu-goc.eml', content: forwarded, contentType: 'message/rfc822' },
    ],
  });
}

async function mail(options: SendMailOptions): Promise<Buffer> {
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' }).sendMail(options);
  return info.message as Buffer;
}

const FILTER_FIELDS =
  'X-Spam-Score: 1.5\r\nX-Spam-Status: No, score=1.5 junk_at=5 reject_at=10\r\n\ttests=BODY_LOAN=1.5\r\nX-Virus-Status: clean\r\n';

describe('withPrefixFields', () => {
  it('gives the analysis of the message with the fields on top, for nested multiparts and a forwarded message', async () => {
    const raw = await compose();
    const stored = Buffer.concat([Buffer.from(FILTER_FIELDS), raw]);
    expect(withPrefixFields(analyzeMessage(raw), Buffer.from(FILTER_FIELDS))).toEqual(analyzeMessage(stored));
  });

  it('does the same for a message without a header or without a body', () => {
    for (const text of ['\r\njust a body\r\n', 'Subject: only a header\r\n', 'Subject: x\r\n\r\n']) {
      const raw = Buffer.from(text);
      const stored = Buffer.concat([Buffer.from(FILTER_FIELDS), raw]);
      expect(withPrefixFields(analyzeMessage(raw), Buffer.from(FILTER_FIELDS))).toEqual(analyzeMessage(stored));
    }
  });
});
