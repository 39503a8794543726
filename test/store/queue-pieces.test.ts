import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { SqliteOutboundQueue } from '../../src/store/queue.js';
import type { Db } from '../../src/store/database.js';
import { queuedMessageBytes } from '../helpers/queue.js';

/**
 * SQLite's layout of the outbound queue (the contract, streaming included, is queue-contract.ts).
 * The outbound queue takes a message as pieces — our fields in memory, then ranges of a spool
 * file — and keeps it in chunks written as they are read, so that a 25 MB message is never joined
 * into one buffer to be queued (src/store/queue.ts); what it sends later is the same octets.
 */

let dir: string;
let db: Db;
let queue: SqliteOutboundQueue;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-queue-'));
  db = openDatabase(path.join(dir, 'mail.db'));
  queue = new SqliteOutboundQueue(db);
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('outbound queue of a message in pieces', () => {
  test('a field block and two ranges of a file (a dropped field between them) come back as their concatenation', async () => {
    const body = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `dong ${i} cua thu lon\r\n`).join(''));
    const file = path.join(dir, 'spooled');
    fs.writeFileSync(file, Buffer.concat([Buffer.from('Sender: x@example.org\r\nSubject: Lon\r\n\r\n'), body]));
    const fields = Buffer.from('DKIM-Signature: v=1; d=cantho.gov.vn\r\n');
    const size = fs.statSync(file).size;
    const id = await queue.enqueue('annv@cantho.gov.vn', ['friend@example.org'], [fields, { file, start: 23, end: size }], new Date());
    const expected = Buffer.concat([fields, fs.readFileSync(file).subarray(23)]);
    expect(expected.length).toBeGreaterThan(512 * 1024);
    expect((await queuedMessageBytes(queue, id))!.equals(expected)).toBe(true);
    expect((await queue.list()).find((entry) => entry.id === id)!.size).toBe(expected.length);
  });

  test('deleting the message removes its chunks', async () => {
    const id = await queue.enqueue('annv@cantho.gov.vn', ['friend@example.org'], Buffer.from('Subject: nho\r\n\r\nchao\r\n'), new Date());
    expect((await queuedMessageBytes(queue, id))!.toString()).toBe('Subject: nho\r\n\r\nchao\r\n');
    expect(await queue.delete(id)).toBe(true);
    expect(await queuedMessageBytes(queue, id)).toBeNull();
    expect(db.prepare('SELECT count(*) FROM queue_message_chunks').pluck().get()).toBe(0);
  });

  test('an older row whose octets are in `raw` streams the same way', async () => {
    const raw = Buffer.from(`Subject: Cu\r\n\r\n${'dong thu cu\r\n'.repeat(50_000)}`);
    const id = Number(db.prepare('INSERT INTO queue_messages (sender, created_at, size, raw) VALUES (?, ?, ?, ?)').run('annv@cantho.gov.vn', Date.now(), raw.length, raw).lastInsertRowid);
    expect((await queue.streamMessage(id))!.size).toBe(raw.length);
    expect((await queuedMessageBytes(queue, id))!.equals(raw)).toBe(true);
  });
});
