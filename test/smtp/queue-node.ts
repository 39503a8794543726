/**
 * Child process of queue-nodes.test.ts: one cantho-mail node on DATA_DIR whose outbound queue is
 * the PostgreSQL one at PG_URL, its worker sending to the "Internet" on MX_PORT with claims of
 * LEASE_MS. Prints "ready <submission port>"; the test ends it with SIGKILL, as a node dies.
 */
import { QUEUE_NODES_DNS } from './queue-nodes-dns.js';
import { restartableServer } from './harness.js';

const [dir, postgresUrl, mxPort, leaseMs] = process.argv.slice(2);
if (leaseMs === undefined) throw new Error('usage: queue-node.ts DATA_DIR PG_URL MX_PORT LEASE_MS');
const server = await restartableServer(dir!, {
  config: { store: { backend: 'postgres', postgres_url: postgresUrl! }, sieve: { managesieve: '127.0.0.1:0' } },
  dns: QUEUE_NODES_DNS,
  smtp: { queueWorker: { mxPort: Number(mxPort), pollIntervalMs: 100, leaseMs: Number(leaseMs) } },
});
process.stdout.write(`ready ${server.submission}\n`);
