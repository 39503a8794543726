import type { MailStore } from '../../../src/store/index.js';
import { asAccountId, type AccountId } from '../../../src/store/types.js';

/** Accounts and messages the contract tests use, backend-neutral (no SQLite here: test/store/helpers.ts re-exports them). */

export const annv: AccountId = asAccountId('annv@cantho.gov.vn');
export const daott: AccountId = asAccountId('daott@cantho.gov.vn');

/** A small RFC 5322 message with CRLF line ends. */
export function message(fields: { subject?: string; from?: string; to?: string; cc?: string; body?: string; id?: string } = {}): Buffer {
  const lines = [
    `From: ${fields.from ?? 'Trần Thị Đào <daott@cantho.gov.vn>'}`,
    `To: ${fields.to ?? 'Nguyễn Văn An <annv@cantho.gov.vn>'}`,
    ...(fields.cc === undefined ? [] : [`Cc: ${fields.cc}`]),
    `Subject: ${fields.subject ?? 'Báo cáo tuần'}`,
    `Message-ID: <${fields.id ?? Math.random().toString(36).slice(2)}@cantho.gov.vn>`,
    'Date: Sat, 28 Nov 2026 08:00:00 +0700',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    fields.body ?? 'Kính gửi anh An,\r\nxin gửi báo cáo.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** A message of about 600 KiB whose bytes are predictable, to read in ranges and store in pieces cut anywhere. */
export function bigMessage(): Buffer {
  const line = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef\r\n';
  return message({ subject: 'Tệp lớn', body: line.repeat(8000) });
}

/** The messages the search tests look through: two in annv's INBOX (UIDs 1 and 2), one in daott's. */
export async function deliverSearchSamples(store: MailStore): Promise<void> {
  await store.deliver(
    [{ account: annv, folder: 'INBOX' }],
    message({ subject: 'Kế hoạch đào tạo', from: 'Nguyễn Văn Ân <anvn@cantho.gov.vn>', body: 'Đề nghị Sở Nội vụ phê duyệt.' }),
  );
  await store.deliver(
    [{ account: annv, folder: 'INBOX' }],
    message({ subject: 'Lịch họp', from: 'Trần Thị Đào <daott@cantho.gov.vn>', cc: 'Lê Ân <anl@cantho.gov.vn>', body: 'Họp lúc 8 giờ.' }),
  );
  await store.deliver([{ account: daott, folder: 'INBOX' }], message({ subject: 'Kế hoạch khác', from: 'Nguyễn Văn Ân <anvn@cantho.gov.vn>' }));
}
