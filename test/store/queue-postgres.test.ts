import { describe, expect, test } from 'vitest';
import { openPgOutboundQueue, openPostgresPool, PgOutboundQueue, StoreError } from '../../src/store/index.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { freeLoopbackPort } from '../helpers/ports.js';
import { describeOutboundQueueContract } from './queue-contract.js';

const cluster = clusterForThisFile();

describeOutboundQueueContract('PostgreSQL', async () => {
  const queue = await openPgOutboundQueue(openPostgresPool(await cluster().createDatabase(), { poolSize: 8 }));
  return { queue, close: () => queue.close() };
});

describe('PgOutboundQueue with its database unreachable', () => {
  test("every operation fails as StoreError 'unavailable' (SMTP 451 4.3.0, docs/postgres.en.md \"Failover\")", async () => {
    // Nothing listens on the port: every connection attempt is refused.
    const queue = new PgOutboundQueue(openPostgresPool(`postgres://cantho@127.0.0.1:${await freeLoopbackPort()}/gone`, { poolSize: 2 }));
    const now = new Date('2026-12-01T08:00:00Z');
    const claim = { owner: 'node-a', until: new Date(now.getTime() + 60_000) };
    const operations: Array<[string, () => Promise<unknown>]> = [
      ['enqueue', () => queue.enqueue('annv@cantho.gov.vn', ['a@example.org'], Buffer.from('Subject: x\r\n\r\nx\r\n'), now)],
      ['claimDue', () => queue.claimDue(claim, now, 1)],
      ['nextDueAt', () => queue.nextDueAt()],
      ['streamMessage', () => queue.streamMessage(1)],
      ['markDelivered', () => queue.markDelivered([1], '250 ok', now)],
      ['markDeferred', () => queue.markDeferred('node-a', [1], '451 later', now, now)],
      ['markUndeliverable', () => queue.markUndeliverable('node-a', [1], 'failed', '550 no', now)],
      ['claimDsns', () => queue.claimDsns(claim, now)],
      ['dsnDelivered', () => queue.dsnDelivered('node-a', 1)],
      ['list', () => queue.list()],
      ['pendingCount', () => queue.pendingCount()],
      ['retry', () => queue.retry(1, now)],
      ['delete', () => queue.delete(1)],
    ];
    try {
      for (const [name, operation] of operations) {
        const failure = await operation().then(
          () => null,
          (error: unknown) => error,
        );
        expect({ name, failure }).toMatchObject({ name, failure: expect.any(StoreError) });
        expect({ name, code: (failure as StoreError).code }).toEqual({ name, code: 'unavailable' });
      }
    } finally {
      await queue.close();
    }
  });
});
