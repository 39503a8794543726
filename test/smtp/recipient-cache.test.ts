import { afterAll, beforeAll, expect, test } from 'vitest';
import { Directory } from '../../src/directory/index.js';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { TEST_ARGON2 } from '../helpers/server.js';
import { startHarness, type Harness } from './harness.js';
import { RawSmtp } from './raw-client.js';

// The MX remembers the directory's answer to RCPT (src/directory/recipient-cache.ts); these tests
// show that a change of the directory still reaches RCPT: at once when made in the server's own
// process, within a second when another process (the CLI) commits it (DESIGN.md "CLI").

const ADMIN = { actor: 'cli:test', doc: '14/QĐ-VP' };
const UNKNOWN = '550 5.1.1 Mailbox unavailable: no such user here';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

async function rcpt(to: string): Promise<string> {
  const client = await RawSmtp.connect(h.mx);
  try {
    await client.hello();
    expect(await client.command('MAIL FROM:<sender@example.org>')).toBe('250 2.1.0 Accepted');
    return await client.command(`RCPT TO:<${to}>`);
  } finally {
    await client.quit();
  }
}

test('a retirement made in the server process is refused at the next RCPT', async () => {
  expect(await rcpt('cuonglv@cantho.gov.vn')).toBe('250 2.1.5 Accepted');
  expect(await rcpt('cuonglv@cantho.gov.vn')).toBe('250 2.1.5 Accepted');
  h.directory.admin.retirePerson('cuonglv', ADMIN);
  expect(await rcpt('cuonglv@cantho.gov.vn')).toBe(UNKNOWN);
});

test('a retirement committed by another process (the CLI) is refused at RCPT within a second', async () => {
  expect(await rcpt('binhtt@cantho.gov.vn')).toBe('250 2.1.5 Accepted');
  // What the CLI does: its own connection to the same database file, its own directory.
  const db = openDatabase(h.ctx.config.paths.database);
  const store = new SqliteMailStore(db);
  const cli = new Directory({ db, config: h.ctx.config, store, argon2: TEST_ARGON2 });
  cli.admin.retirePerson('binhtt', ADMIN);
  await store.close();
  const replies: string[] = [];
  const deadline = Date.now() + 1500;
  while (Date.now() < deadline && replies.at(-1) !== UNKNOWN) {
    replies.push(await rcpt('binhtt@cantho.gov.vn'));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(replies.at(-1)).toBe(UNKNOWN);
});

test('an address refused while unknown is accepted once the directory has it', async () => {
  expect(await rcpt('hoangnt@cantho.gov.vn')).toBe(UNKNOWN);
  await h.directory.admin.addPerson({ name: 'Hoàng Ngọc Thảo', unit: 'vpubnd', address: 'hoangnt', password: 'Mat-khau-moi-rat-dai-2026' }, ADMIN);
  expect(await rcpt('hoangnt@cantho.gov.vn')).toBe('250 2.1.5 Accepted');
});
