/**
 * The outbound queue's contract as tests (src/store/queue.ts OutboundQueue; docs/architecture.md
 * "Outbound queue claims"), run against a backend by its own test file: queue-sqlite.test.ts,
 * queue-postgres.test.ts. Backend-specific behaviour (legacy rows, storage layout) is tested beside
 * the backend.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { OutboundQueue, QueueClaim } from '../../src/store/index.js';
import { drain, queuedMessageBytes } from '../helpers/queue.js';

export interface OpenedQueue {
  readonly queue: OutboundQueue;
  close(): Promise<void>;
}

export type OpenQueue = () => Promise<OpenedQueue>;

const T0 = new Date('2026-12-01T08:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const LEASE_S = 60;
const claimOf = (owner: string, now: Date): QueueClaim => ({ owner, until: new Date(now.getTime() + LEASE_S * 1000) });
const MESSAGE = Buffer.from('From: annv@cantho.gov.vn\r\nSubject: Hop\r\n\r\nNoi dung\r\n');

export function describeOutboundQueueContract(name: string, open: OpenQueue): void {
  describe(`OutboundQueue contract: ${name}`, () => {
    let opened: OpenedQueue;
    let queue: OutboundQueue;
    beforeEach(async () => {
      opened = await open();
      queue = opened.queue;
    });
    afterEach(async () => {
      await opened.close();
    });

    test('a claim takes whole (message, domain) groups, oldest first, and only as many groups as asked', async () => {
      const first = await queue.enqueue('annv@cantho.gov.vn', ['a@example.org', 'b@EXAMPLE.org', 'c@example.net'], MESSAGE, T0);
      const second = await queue.enqueue('', ['d@example.org'], MESSAGE, at(1));
      const claimed = await queue.claimDue(claimOf('node-a', at(2)), at(2), 1);
      expect(claimed.map((r) => [r.messageId, r.address, r.domain])).toEqual([
        [first, 'a@example.org', 'example.org'],
        [first, 'b@EXAMPLE.org', 'example.org'],
      ]);
      expect(claimed[0]).toMatchObject({ sender: 'annv@cantho.gov.vn', attempts: 0, lastError: null, createdAt: T0 });
      const rest = await queue.claimDue(claimOf('node-a', at(2)), at(2), 10);
      expect(rest.map((r) => [r.messageId, r.address])).toEqual([
        [first, 'c@example.net'],
        [second, 'd@example.org'],
      ]);
      expect(await queue.claimDue(claimOf('node-a', at(2)), at(2), 10)).toEqual([]);
    });

    test('nothing is claimed before it is due', async () => {
      await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], MESSAGE, at(10));
      expect(await queue.claimDue(claimOf('node-a', at(5)), at(5), 10)).toEqual([]);
      expect(await queue.nextDueAt()).toEqual(at(10));
    });

    test('a claimed recipient is not given to another worker until the lease ends; then it is, once', async () => {
      await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], MESSAGE, T0);
      expect(await queue.claimDue(claimOf('node-a', T0), T0, 10)).toHaveLength(1);
      expect(await queue.claimDue(claimOf('node-b', at(1)), at(1), 10)).toEqual([]);
      expect(await queue.nextDueAt()).toEqual(at(LEASE_S));
      expect(await queue.claimDue(claimOf('node-b', at(LEASE_S - 1)), at(LEASE_S - 1), 10)).toEqual([]);
      const retaken = await queue.claimDue(claimOf('node-b', at(LEASE_S)), at(LEASE_S), 10);
      expect(retaken.map((r) => r.address)).toEqual(['a@example.org']);
      expect(await queue.claimDue(claimOf('node-c', at(LEASE_S + 1)), at(LEASE_S + 1), 10)).toEqual([]);
    });

    test('two workers claiming at once share the due recipients without overlap', async () => {
      for (let i = 0; i < 30; i++) await queue.enqueue('annv@cantho.gov.vn', [`r${i}@d${i % 3}.example`], MESSAGE, T0);
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, worker) => queue.claimDue(claimOf(`node-${worker}`, at(1)), at(1), 8)),
      );
      const more = await queue.claimDue(claimOf('node-last', at(1)), at(1), 100);
      const ids = [...claims.flat(), ...more].map((r) => r.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    });

    test('delivered recipients are done, and a message with nothing left to do leaves the queue', async () => {
      const id = await queue.enqueue('annv@cantho.gov.vn', ['a@example.org', 'b@example.org'], MESSAGE, T0);
      const [a, b] = await queue.claimDue(claimOf('node-a', T0), T0, 10);
      await queue.markDelivered([a!.id], '250 2.0.0 ok', at(1));
      expect(await queue.pendingCount()).toBe(1);
      expect((await queue.list())[0]!.recipients.map((r) => [r.address, r.state, r.lastError])).toEqual([
        ['a@example.org', 'delivered', '250 2.0.0 ok'],
        ['b@example.org', 'pending', null],
      ]);
      // The remote's 250 is recorded even when the lease passed to another worker meanwhile.
      await queue.claimDue(claimOf('node-b', at(LEASE_S)), at(LEASE_S), 10);
      await queue.markDelivered([b!.id], '250 2.0.0 ok', at(LEASE_S + 1));
      expect(await queue.list()).toEqual([]);
      expect(await queue.pendingCount()).toBe(0);
      expect(await queue.streamMessage(id)).toBeNull();
      expect(await queue.nextDueAt()).toBeNull();
    });

    test('a deferral counts the attempt and sets the next one; a worker that lost its claim records nothing', async () => {
      await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], MESSAGE, T0);
      const [a] = await queue.claimDue(claimOf('node-a', T0), T0, 10);
      await queue.markDeferred('node-a', [a!.id], '451 4.3.0 later', at(300), at(1));
      expect((await queue.list())[0]!.recipients[0]).toEqual({ address: 'a@example.org', state: 'pending', attempts: 1, nextAttemptAt: at(300), lastError: '451 4.3.0 later' });
      expect(await queue.claimDue(claimOf('node-a', at(299)), at(299), 10)).toEqual([]);
      const [again] = await queue.claimDue(claimOf('node-a', at(300)), at(300), 10);
      expect(again).toMatchObject({ attempts: 1, lastError: '451 4.3.0 later' });
      // node-a's lease ends, node-b takes the recipient: node-a's late outcome is not recorded.
      await queue.claimDue(claimOf('node-b', at(300 + LEASE_S)), at(300 + LEASE_S), 10);
      await queue.markDeferred('node-a', [again!.id], 'stale', at(9999), at(300 + LEASE_S));
      await queue.markUndeliverable('node-a', [again!.id], 'failed', 'stale', at(300 + LEASE_S));
      expect((await queue.list())[0]!.recipients[0]).toMatchObject({ state: 'pending', attempts: 1, lastError: '451 4.3.0 later' });
    });

    test('permanent failure and expiry owe the sender one DSN, claimed by one worker, then the message leaves', async () => {
      const id = await queue.enqueue('annv@cantho.gov.vn', ['a@example.org', 'b@example.net', 'c@example.com'], MESSAGE, T0);
      const [a, b, c] = await queue.claimDue(claimOf('node-a', T0), T0, 10);
      await queue.markUndeliverable('node-a', [a!.id], 'failed', '550 5.1.1 no such user', at(1));
      await queue.markUndeliverable('node-a', [b!.id], 'expired', 'delivery time expired', at(1));
      await queue.markDelivered([c!.id], '250 ok', at(1));
      expect(await queue.pendingCount()).toBe(0);
      const dsns = await queue.claimDsns(claimOf('node-a', at(2)), at(2));
      expect(dsns).toEqual([
        {
          messageId: id,
          sender: 'annv@cantho.gov.vn',
          createdAt: T0,
          failures: [
            { address: 'a@example.org', state: 'failed', error: '550 5.1.1 no such user' },
            { address: 'b@example.net', state: 'expired', error: 'delivery time expired' },
          ],
        },
      ]);
      expect(await queue.claimDsns(claimOf('node-b', at(3)), at(3))).toEqual([]);
      // The DSN needs the original's header: the message stays until the DSN is delivered.
      expect((await queuedMessageBytes(queue, id))!.equals(MESSAGE)).toBe(true);
      await queue.dsnDelivered('node-b', id);
      expect(await queue.list()).toHaveLength(1);
      await queue.dsnDelivered('node-a', id);
      expect(await queue.list()).toEqual([]);
    });

    test('a DSN claim whose worker died is claimed again after the lease', async () => {
      await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], MESSAGE, T0);
      const [a] = await queue.claimDue(claimOf('node-a', T0), T0, 10);
      await queue.markUndeliverable('node-a', [a!.id], 'failed', '550 no', at(1));
      expect(await queue.claimDsns(claimOf('node-a', at(2)), at(2))).toHaveLength(1);
      expect(await queue.claimDsns(claimOf('node-b', at(2 + LEASE_S)), at(2 + LEASE_S))).toHaveLength(1);
    });

    test('list shows every message and recipient; retry makes pending recipients due now; delete drops the message', async () => {
      const id = await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], MESSAGE, T0);
      const [a] = await queue.claimDue(claimOf('node-a', T0), T0, 10);
      await queue.markDeferred('node-a', [a!.id], '421 busy', at(3600), at(1));
      expect(await queue.list()).toEqual([
        {
          id,
          sender: 'annv@cantho.gov.vn',
          createdAt: T0,
          size: MESSAGE.length,
          recipients: [{ address: 'a@example.org', state: 'pending', attempts: 1, nextAttemptAt: at(3600), lastError: '421 busy' }],
        },
      ]);
      expect(await queue.retry(id, at(2))).toBe(true);
      expect(await queue.nextDueAt()).toEqual(at(2));
      expect((await queue.claimDue(claimOf('node-a', at(2)), at(2), 10)).map((r) => r.address)).toEqual(['a@example.org']);
      expect(await queue.retry(id + 1, at(2))).toBe(false);
      expect(await queue.delete(id)).toBe(true);
      expect(await queue.delete(id)).toBe(false);
      expect(await queue.list()).toEqual([]);
      expect(await queue.pendingCount()).toBe(0);
    });

    test('a message of pieces (a spool file range among them) streams back a chunk at a time, a fresh stream each time', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-queue-contract-'));
      try {
        const file = path.join(dir, 'spooled');
        fs.writeFileSync(file, Buffer.concat([Buffer.from('Subject: Lon\r\n\r\n'), Buffer.from('dong thu lon\r\n'.repeat(60_000))]));
        const fields = Buffer.from('DKIM-Signature: v=1; d=cantho.gov.vn\r\n');
        const size = fs.statSync(file).size;
        const id = await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], [fields, { file, start: 0, end: size }], T0);
        const expected = Buffer.concat([fields, fs.readFileSync(file)]);
        const message = (await queue.streamMessage(id))!;
        expect(message.size).toBe(expected.length);
        const chunks: Buffer[] = [];
        for await (const chunk of message.stream) chunks.push(chunk as Buffer);
        expect(chunks.length).toBeGreaterThan(1);
        expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(256 * 1024);
        expect(Buffer.concat(chunks).equals(expected)).toBe(true);
        expect((await queuedMessageBytes(queue, id))!.equals(expected)).toBe(true);
        expect(await queue.streamMessage(id + 1)).toBeNull();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a message deleted while it is streamed fails the stream instead of ending it early', async () => {
      const id = await queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], Buffer.alloc(1024 * 1024, 0x61), T0);
      const { stream } = (await queue.streamMessage(id))!;
      await new Promise<void>((resolve) =>
        stream.once('data', () => {
          stream.pause();
          resolve();
        }),
      );
      expect(await queue.delete(id)).toBe(true);
      await expect(drain(stream)).rejects.toThrow(/removed while being read/);
    });
  });
}
