import { openPgOutboundQueue, openPostgresPool } from '../../src/store/index.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { describeOutboundQueueContract } from './queue-contract.js';

const cluster = clusterForThisFile();

describeOutboundQueueContract('PostgreSQL', async () => {
  const queue = await openPgOutboundQueue(openPostgresPool(await cluster().createDatabase(), { poolSize: 8 }));
  return { queue, close: () => queue.close() };
});
