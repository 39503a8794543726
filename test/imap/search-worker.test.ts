/**
 * SEARCH of a large mailbox on a search worker thread (src/imap/search/search-runner.ts): the same
 * answers as on the event loop, other clients answered while it runs, and `NO [LIMIT]` past
 * `[imap] search_budget`. `search_worker_above = 0` sends every search to the worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessageTestBed, textMessage, type MessageTestBed } from './message-fixtures.js';
import type { RawClient } from './support.js';
import { TEST_DOC } from '../helpers/server.js';
import { startUnitServer } from '../unit-mailboxes/support.js';

const MESSAGES = 1500;

function message(i: number): Buffer {
  return textMessage(`Báo cáo số ${i}${i % 7 === 0 ? ' khẩn' : ''}`, `Nội dung ${i} ${i % 3 === 0 ? 'ngân sách' : 'nhân sự'} ${'x'.repeat(i % 50)}`);
}

async function fill(bed: MessageTestBed): Promise<void> {
  for (let start = 0; start < MESSAGES; start += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, MESSAGES - start) }, (_, k) =>
        bed.deliver(message(start + k), { flags: (start + k) % 5 === 0 ? ['\\Seen'] : [], internalDate: new Date(2026, 10, 1 + ((start + k) % 28)) }),
      ),
    );
  }
}

/** A command whose answer may wait for the search threads to start (a second or more on a loaded machine). */
const ask = (client: RawClient, tag: string, text: string): Promise<string[]> => {
  client.send(`${tag} ${text}\r\n`);
  return client.until((line) => line.startsWith(`${tag} `), 60_000);
};

let onWorker: MessageTestBed;
let onLoop: MessageTestBed;

beforeAll(async () => {
  [onWorker, onLoop] = await Promise.all([
    startMessageTestBed({ config: { imap: { search_worker_above: 0 } } }),
    startMessageTestBed({ config: { imap: { search_worker_above: 1_000_000 } } }),
  ]);
  await Promise.all([fill(onWorker), fill(onLoop)]);
});
afterAll(async () => {
  await Promise.all([onWorker?.close(), onLoop?.close()]);
});

describe('SEARCH on a worker thread', () => {
  it('answers exactly as the search on the event loop does', async () => {
    const [worker, loop] = await Promise.all([onWorker.login('INBOX'), onLoop.login('INBOX')]);
    const criteria = [
      'ALL',
      'BODY "ngan sach"',
      'SUBJECT "khẩn" UNSEEN',
      'OR SEEN TEXT "số 14"',
      'BODY "xx" NOT BODY xxxxxxxxxx',
      'SINCE 20-Nov-2026 SMALLER 400',
      'UID 100:200 NOT SEEN',
      '1:10,1400:* BODY nhan',
      'HEADER Subject "so 99"',
      'RETURN (MIN MAX COUNT) BODY "ngân"',
    ];
    for (const c of criteria) {
      const [a, b] = await Promise.all([ask(worker, 'S', `SEARCH ${c}`), ask(loop, 'S', `SEARCH ${c}`)]);
      expect(a, c).toEqual(b);
      expect(a.at(-1)).toBe('S OK SEARCH completed');
    }
    const [a, b] = await Promise.all([ask(worker, 'U', 'UID SEARCH BODY "sách"'), ask(loop, 'U', 'UID SEARCH BODY "sách"')]);
    expect(a).toEqual(b);
  });

  it("answers another client's NOOP while a large search runs", async () => {
    const searcher = await onWorker.login('INBOX');
    const other = await onWorker.login('INBOX');
    // The worker thread is up (the test above started it): what follows is the search itself.
    await ask(searcher, 'W', 'SEARCH 1');
    const order: string[] = [];
    searcher.send('A1 SEARCH OR OR BODY "a" BODY "x" OR TEXT "1" TEXT "ng"\r\n');
    const searched = searcher.until((line) => line.startsWith('A1 '), 60_000).then((lines) => {
      order.push('SEARCH');
      return lines;
    });
    const nooped = other.command('B1', 'NOOP').then((lines) => {
      order.push('NOOP');
      return lines;
    });
    const [searchLines, noopLines] = await Promise.all([searched, nooped]);
    expect(noopLines.at(-1)).toBe('B1 OK NOOP completed');
    expect(searchLines.at(-1)).toBe('A1 OK SEARCH completed');
    expect(order).toEqual(['NOOP', 'SEARCH']);
  });
});

describe('the search budget', () => {
  it('answers NO [LIMIT] past [imap] search_budget, and the next search works', async () => {
    const bed = await startMessageTestBed({ config: { imap: { search_worker_above: 0, search_budget: '1ms' } } });
    try {
      await fill(bed);
      const client = await bed.login('INBOX');
      const reply = await ask(client, 'A1', 'SEARCH OR OR BODY "a" BODY "x" OR TEXT "1" TEXT "ng"');
      expect(reply).toEqual(['A1 NO [LIMIT] search took longer than the server allows; narrow it down']);
      expect(await client.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
    } finally {
      await bed.close();
    }
  });
});

describe('seen mode private on the worker', () => {
  it("searches the reader's own \\Seen, not the team's (docs/architecture.md \"Unit mailboxes\")", async () => {
    const u = await startUnitServer({ config: { imap: { search_worker_above: 0 } } });
    try {
      u.directory.admin.setSeenMode('vpubnd', 'private', { actor: 'cli:test', doc: TEST_DOC });
      const first = await u.deliverToUnit('Công văn thứ nhất');
      await u.deliverToUnit('Công văn thứ hai');
      const annv = await u.login('annv');
      await annv.command('s', 'SELECT Shared/vpubnd/INBOX');
      await annv.command('f', `UID STORE ${first} +FLAGS.SILENT (\\Seen)`);
      expect(await ask(annv, 'u', 'SEARCH UNSEEN')).toEqual(['* SEARCH 2', 'u OK SEARCH completed']);
      const head = await u.login('truonglv');
      await head.command('e', 'EXAMINE Shared/vpubnd/INBOX');
      expect(await ask(head, 'u', 'SEARCH UNSEEN')).toEqual(['* SEARCH 1 2', 'u OK SEARCH completed']);
      expect(await ask(head, 'o', 'SORT (ARRIVAL) UTF-8 SEEN')).toEqual(['* SORT', 'o OK SORT completed']);
    } finally {
      await u.close();
    }
  });
});
