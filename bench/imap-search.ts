/**
 * `npm run bench -- imap-search [--messages N]`
 *
 * RFC 3501 §6.4.4 SEARCH TEXT over the substring (trigram) index on N messages (default 100,000,
 * 1–3 KB of varied Vietnamese text each) in one INBOX, over a socket to the server running in
 * this process: for a 3-, a 5- and a 12-character string, the median of 3 runs, how many
 * messages matched, and the longest event-loop delay seen while the searches ran (a mailbox above
 * `[imap] search_worker_above` is searched on a worker thread, so other connections keep being
 * served); then SORT and THREAD over the whole mailbox, timed the same way. Then the size of the search index (the
 * `message_text` table: its text and its trigram index) relative to the message data (the sum of
 * RFC822.SIZE). Nothing here asserts timings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/server.js';
import { freeLoopbackPort } from '../test/helpers/ports.js';
import { ImapConnection } from './imap-connection.js';
import { BENCH_PASSWORD, seedOfficial, writeImapBenchConfig } from './imap-setup.js';
import { percentile } from './single-op.js';

const RUNS = 3;
const WORDS = (
  'kính gửi các đơn vị đề nghị báo cáo tình hình thực hiện kế hoạch năm sở nội vụ ủy ban nhân dân thành phố cần thơ ' +
  'phê duyệt dự toán ngân sách họp giao ban tuần lịch công tác văn bản tờ trình quyết định thông báo kết luận chỉ đạo ' +
  'xây dựng đô thị giáo dục y tế giao thông vận tải nông nghiệp môi trường tài nguyên nước khoa học công nghệ thông tin ' +
  'trân trọng cảm ơn đồng chí phó chủ tịch giám đốc trưởng phòng chuyên viên tổng hợp số liệu quý tháng'
).split(' ');
/** The strings searched for: 3, 5 and 12 characters (after folding, as the index holds them). */
const QUERIES = ['họp', 'duyệt', 'HS-2026-0420'];

/** Deterministic pseudo-random words, so every run of the bench searches the same mail. */
function benchMessage(n: number): Buffer {
  let seed = n * 2654435761;
  const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 1_000_003);
  const words = Array.from({ length: 150 + (next() % 300) }, () => WORDS[next() % WORDS.length]);
  const body = words.join(' ').replace(/(.{70}\S*) /g, '$1\r\n');
  return Buffer.from(
    [
      `From: Trần Thị Đào ${n % 97} <daott${n % 97}@cantho.gov.vn>`,
      'To: Nguyễn Văn An <annv@cantho.gov.vn>',
      `Subject: ${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} số ${n}`,
      `Message-ID: <search-${n}@cantho.gov.vn>`,
      `X-Ho-So: HS-2026-${String(n % 100_000).padStart(4, '0')}`,
      `Date: Sat, ${1 + (n % 28)} Nov 2026 08:00:00 +0700`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { messages: { type: 'string', default: '100000' } } });
  const count = Number(values.messages);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-bench-search-'));
  const port = await freeLoopbackPort();
  const configFile = writeImapBenchConfig(dir, port);
  const config = loadConfig(configFile);
  const server = await startServer(config, { logger: pino({ level: 'silent' }) });
  try {
    const filling = performance.now();
    const official = await seedOfficial(server, count, benchMessage);
    const store = server.context.store;
    console.log(`${count} messages delivered in ${((performance.now() - filling) / 1000).toFixed(1)} s`);
    const inbox = (await store.getMailbox(official.account, 'INBOX'))!;

    const client = await ImapConnection.open(port);
    await client.login(official.address, BENCH_PASSWORD);
    await client.command('S', 'SELECT INBOX');
    const delay = monitorEventLoopDelay({ resolution: 5 });
    for (const query of QUERIES) {
      const matches = (await store.searchText(inbox.id, 'text', query)).size;
      const literal = Buffer.byteLength(query);
      const runs: number[] = [];
      delay.reset();
      delay.enable();
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        await client.command(`Q${i}`, `SEARCH CHARSET UTF-8 TEXT {${literal}+}\r\n${query}`);
        runs.push(performance.now() - started);
      }
      delay.disable();
      const median = percentile([...runs].sort((a, b) => a - b), 0.5);
      console.log(
        `SEARCH TEXT "${query}" (${[...query].length} chars): ${median.toFixed(0)} ms median of ${RUNS} ` +
          `(${runs.map((r) => r.toFixed(0)).join(', ')}), ${matches} of ${count} match, longest event-loop delay ${(delay.max / 1e6).toFixed(0)} ms`,
      );
    }
    // RFC 5256 SORT and THREAD over the whole mailbox (on the search worker above [imap] search_worker_above).
    for (const command of ['SORT (DATE) UTF-8 ALL', 'SORT (SUBJECT) UTF-8 TEXT "duyet"', 'THREAD REFERENCES UTF-8 ALL']) {
      delay.reset();
      delay.enable();
      const started = performance.now();
      await client.command('R', command);
      const took = performance.now() - started;
      delay.disable();
      console.log(`${command}: ${took.toFixed(0)} ms, longest event-loop delay ${(delay.max / 1e6).toFixed(0)} ms`);
    }
    client.close();

    const db = new Database(path.join(dir, 'data', fs.readdirSync(path.join(dir, 'data')).find((f) => f.endsWith('.db'))!), { readonly: true });
    const bytesOf = (like: string) => (db.prepare('SELECT coalesce(sum(pgsize), 0) AS n FROM dbstat WHERE name LIKE ?').get(like) as { n: number }).n;
    const messageBytes = (db.prepare('SELECT sum(size) AS n FROM messages').get() as { n: number }).n;
    const text = bytesOf('message_text_content');
    const index = bytesOf('message_text_data') + bytesOf('message_text_idx');
    db.close();
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(
      `search index: ${mib(text + index)} MiB (text ${mib(text)} + trigram index ${mib(index)}) for ${mib(messageBytes)} MiB of messages: ` +
        `${((text + index) / messageBytes).toFixed(2)}× (text ${(text / messageBytes).toFixed(2)}×, index ${(index / messageBytes).toFixed(2)}×)`,
    );
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
