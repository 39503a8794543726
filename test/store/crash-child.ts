/**
 * Child process of crash.test.ts: delivers crashMessage(FIRST_N), crashMessage(FIRST_N + 1), … into one INBOX,
 * 16 at a time, and prints n on its own line as soon as delivery n's promise resolved, until killed.
 */
import { openDatabase } from '../../src/store/database.js';
import { SqliteMailStore } from '../../src/store/sqlite-store.js';
import { annv, crashMessage } from './helpers.js';

const [file, first = '0'] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: crash-child.ts DB_FILE [FIRST_N]');
const store = new SqliteMailStore(openDatabase(file));
let next = Number(first);

async function worker(): Promise<never> {
  for (;;) {
    const n = next++;
    await store.deliver([{ account: annv, folder: 'INBOX' }], crashMessage(n));
    process.stdout.write(`${n}\n`);
  }
}

for (let i = 0; i < 16; i++) void worker();
