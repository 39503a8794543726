import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import type { MailStore } from '../../src/store/index.js';
import { asAccountId, type AccountId } from '../../src/store/types.js';

export interface TestStore {
  readonly store: SqliteMailStore;
  readonly dir: string;
  readonly file: string;
  /** Closes the store and removes the temp directory. */
  cleanup(): Promise<void>;
}

/** A store on a real SQLite file in its own temp directory. */
export function openTestStore(): TestStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-store-'));
  const file = path.join(dir, 'mail.db');
  const store = new SqliteMailStore(openDatabase(file));
  return {
    store,
    dir,
    file,
    async cleanup() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

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

/** The n-th message of the crash test: unique content, so its SHA-256 names it. */
export function crashMessage(n: number): Buffer {
  return message({ id: `crash-${n}`, subject: `Crash ${n}`, body: `Delivery number ${n}.\r\n${'x'.repeat(2000)}` });
}

/** Bodies in the file without a row in the search index (src/store/fts.ts indexes after the commit), as another connection sees them. */
export function unindexedBodies(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM blobs WHERE id NOT IN (SELECT rowid FROM message_text)').pluck().get() as number;
  } finally {
    db.close();
  }
}
