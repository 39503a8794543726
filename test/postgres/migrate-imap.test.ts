import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { asAccountId, asUid } from '../../src/store/index.js';
import { runCliInProcess } from '../cli/cli-helpers.js';
import { clusterForThisFile } from '../helpers/postgres-cluster.js';
import { startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
// An installation of real size moved without its clients resynchronising (docs/postgres.en.md "Moving an installation").
const MESSAGES = 10_000;

// docs/postgres.en.md "Moving an installation": a client that synchronised with the SQLite
// installation sees the same UIDVALIDITY, UIDs and flags from the PostgreSQL one.
const cluster = clusterForThisFile();
let dataDir: string;
beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'cm-migrate-'));
});
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Python's imaplib: INBOX's UIDVALIDITY and every message's UID and FLAGS, one line each. */
const IMAPLIB_LISTING = `
import imaplib, sys
imap = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
imap.login(sys.argv[2], sys.argv[3])
imap.select('INBOX', readonly=True)
print('UIDVALIDITY', imap.response('UIDVALIDITY')[1][0].decode())
typ, data = imap.uid('FETCH', '1:*', '(FLAGS)')
for line in data:
    print(line.decode())
imap.logout()
`;

async function listing(port: number, user: string, password: string): Promise<string> {
  const { stdout } = await run('python3', ['-c', IMAPLIB_LISTING, String(port), user, password], { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

test(`a ${MESSAGES}-message installation moved to PostgreSQL keeps its UIDs and flags, as imaplib sees them`, async () => {
  const before = await startTestServer({ dataDir });
  const user = await before.addUser('Nguyễn Văn An', { password: 'Mat-khau-rat-dai-2026' });
  const { store } = before.server.context;
  const account = asAccountId(user.address);
  await store.ensureAccount(account);
  const inbox = (await store.getMailbox(account, 'INBOX'))!;
  for (let first = 0; first < MESSAGES; first += 500) {
    await store.appendMessages(
      inbox.id,
      Array.from({ length: 500 }, (_, i) => {
        const n = first + i;
        return {
          raw: Buffer.from(`From: a@example.org\r\nTo: ${user.address}\r\nSubject: Công văn ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\nNội dung ${n}\r\n`),
          flags: n % 7 === 0 ? ['\\Seen'] : n % 11 === 0 ? ['\\Flagged', '$Label1'] : [],
        };
      }),
    );
  }
  await store.storeFlags(inbox.id, [3, 4, 5].map(asUid), 'add', ['\\Deleted']);
  await store.expunge(inbox.id, [3, 4, 5].map(asUid));
  const sqliteListing = await listing(before.ports.imap, user.address, user.password);
  await before.close();

  const url = await cluster().createDatabase();
  const started = performance.now();
  const migrated = await runCliInProcess(['migrate', '--from', `sqlite:${path.join(dataDir, 'mail.db')}`, '--to', url, '--json']);
  expect(migrated.stderr).toBe('');
  console.log(`migrate: ${MESSAGES - 3} messages copied and verified in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  expect(JSON.parse(migrated.stdout)).toMatchObject({ messages: MESSAGES - 3, expunged: 3 });

  const after = await startTestServer({ dataDir, config: { store: { backend: 'postgres', postgres_url: url, postgres_pool: 4 } } });
  try {
    const postgresListing = await listing(after.ports.imap, user.address, user.password);
    expect(postgresListing.trim().split('\n').length).toBe(1 + MESSAGES - 3);
    expect(postgresListing).toBe(sqliteListing);
  } finally {
    await after.close();
  }
}, 600_000);
