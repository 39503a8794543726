/**
 * `npm run bench -- store [--count N] [--concurrency C]`: N deliveries of a 4 KB message into a
 * fresh store (synchronous=FULL, WAL), first one transaction per delivery (each awaited before
 * the next), then group commit with C deliveries in flight. Prints messages/s of each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/store/database.js';
import { SqliteMailStore } from '../src/store/sqlite-store.js';
import { asAccountId } from '../src/store/types.js';

const account = asAccountId('annv@cantho.gov.vn');

/** A distinct 4 KB message per n, so every delivery stores a new body as real mail would. */
function fourKilobyteMessage(n: number): Buffer {
  const header = [
    'From: Trần Thị Đào <daott@cantho.gov.vn>',
    'To: Nguyễn Văn An <annv@cantho.gov.vn>',
    `Subject: Báo cáo số ${n}`,
    `Message-ID: <bench-${n}@cantho.gov.vn>`,
    'Date: Sat, 28 Nov 2026 08:00:00 +0700',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    '',
  ].join('\r\n');
  const head = Buffer.from(header);
  const body = Buffer.from('Kinh gui cac don vi: de nghi bao cao tinh hinh thuc hien ke hoach.\r\n'.repeat(70));
  return Buffer.concat([head, body.subarray(0, 4096 - head.length)]);
}

async function measure(count: number, concurrency: number): Promise<{ perSecond: number; transactions: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-bench-store-'));
  const store = new SqliteMailStore(openDatabase(path.join(dir, 'mail.db')));
  try {
    await store.ensureAccount(account);
    const messages = Array.from({ length: count }, (_, n) => fourKilobyteMessage(n));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) await store.deliver([{ account, folder: 'INBOX' }], messages[next++]!);
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: count / seconds, transactions: store.deliveryStats.transactions };
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { count: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '64' } },
  });
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  console.log(`store: ${count} deliveries of a 4 KB message, synchronous=FULL`);
  for (const [label, inFlight] of [
    ['one transaction per delivery', 1],
    [`group commit, ${concurrency} in flight`, concurrency],
  ] as const) {
    const { perSecond, transactions } = await measure(count, inFlight);
    console.log(`  ${label}: ${Math.round(perSecond)} messages/s (${transactions} transactions)`);
  }
}
