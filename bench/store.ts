/**
 * `npm run bench -- store [--count N] [--concurrency C] [--backend sqlite|postgres|both]`: N
 * deliveries of a 4 KB message into a fresh store, first one at a time (each awaited before the
 * next: the latency of one delivery), then C deliveries in flight. Prints messages/s of each and
 * the durable flushes they took: SQLite's transactions (synchronous=FULL, WAL, group commit in
 * the process) or PostgreSQL's WAL flushes (pg_stat_wal; synchronous_commit on, one transaction
 * per delivery, concurrent COMMITs sharing a flush: docs/postgres.en.md "Round trips per
 * delivery"). postgres: a private cluster (test/helpers/postgres.ts), a fresh database per run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MailStore } from '../src/store/api.js';
import { openDatabase } from '../src/store/database.js';
import { openPostgresPool, PgMailStore, type PgPool } from '../src/store/postgres/index.js';
import { SqliteMailStore } from '../src/store/sqlite-store.js';
import { asAccountId } from '../src/store/types.js';
import { startPostgres, type RunningPostgres } from '../test/helpers/postgres.js';
import { servedBackends, type ServedBackend } from './served-backend.js';

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

/** A fresh store on `backend` and the count of durable flushes it has made so far. */
interface BenchStore {
  readonly store: MailStore;
  flushes(): Promise<number>;
  close(): Promise<void>;
}

async function openBenchStore(backend: ServedBackend, cluster: RunningPostgres | null): Promise<BenchStore> {
  if (backend === 'sqlite' || cluster === null) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-bench-store-'));
    const store = new SqliteMailStore(openDatabase(path.join(dir, 'mail.db')));
    return {
      store,
      flushes: async () => store.deliveryStats.transactions,
      async close() {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pool: PgPool = openPostgresPool(await cluster.createDatabase());
  const store = await PgMailStore.open(pool);
  return {
    store,
    // The cluster's WAL flushes (fsync or fdatasync), every database's: the bench's is the only one writing.
    flushes: async () => Number((await pool.query<{ wal_sync: string }>('SELECT wal_sync FROM pg_stat_wal')).rows[0]!.wal_sync),
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

async function measure(bench: BenchStore, count: number, concurrency: number): Promise<{ perSecond: number; flushes: number }> {
  const { store } = bench;
  await store.ensureAccount(account);
  const messages = Array.from({ length: count }, (_, n) => fourKilobyteMessage(n));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await store.deliver([{ account, folder: 'INBOX' }], messages[next++]!);
  };
  const flushesBefore = await bench.flushes();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: count / seconds, flushes: (await bench.flushes()) - flushesBefore };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { count: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '64' }, backend: { type: 'string', default: 'sqlite' } },
  });
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  const backends = servedBackends(values.backend);
  const cluster = backends.includes('postgres') ? await startPostgres() : null;
  try {
    for (const backend of backends) {
      console.log(`store (${backend}): ${count} deliveries of a 4 KB message, ${backend === 'sqlite' ? 'synchronous=FULL' : 'synchronous_commit on'}`);
      for (const [label, inFlight] of [
        ['one at a time', 1],
        [`${concurrency} in flight`, concurrency],
      ] as const) {
        const bench = await openBenchStore(backend, cluster);
        try {
          const { perSecond, flushes } = await measure(bench, count, inFlight);
          const unit = backend === 'sqlite' ? 'transactions' : 'WAL flushes';
          console.log(`  ${label}: ${Math.round(perSecond)} messages/s, ${(1000 / perSecond).toFixed(2)} ms per message (${flushes} ${unit})`);
        } finally {
          await bench.close();
        }
      }
    }
  } finally {
    await cluster?.stop();
  }
}
