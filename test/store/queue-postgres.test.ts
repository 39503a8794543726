import { afterAll, beforeAll } from 'vitest';
import { openPgOutboundQueue, openPostgresPool } from '../../src/store/index.js';
import { startPostgres, type RunningPostgres } from '../helpers/postgres.js';
import { describeOutboundQueueContract } from './queue-contract.js';

let cluster: RunningPostgres;
beforeAll(async () => {
  cluster = await startPostgres();
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
});

describeOutboundQueueContract('PostgreSQL', async () => {
  const queue = await openPgOutboundQueue(openPostgresPool(await cluster.createDatabase(), { poolSize: 8 }));
  return { queue, close: () => queue.close() };
});
