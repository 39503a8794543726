/**
 * Child process of crash.test.ts: the real server on DATA_DIR (SMTP on port 0), printing
 * "ready <mx port>" once it listens. The test kills it with SIGKILL mid-load, or ends it with SIGTERM.
 */
import { restartableServer } from './harness.js';

const [dir] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: crash-server.ts DATA_DIR');
const server = await restartableServer(dir, { smtp: { queueWorker: false } });
process.stdout.write(`ready ${server.mx}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
