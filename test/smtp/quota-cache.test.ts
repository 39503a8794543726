import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase, SqliteMailStore, type MailStore } from '../../src/store/index.js';
import { asAccountId, type AccountId } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawSmtp } from './raw-client.js';

// The store remembers each account's usage for the quota checks at RCPT and DATA
// (SqliteMailStore.accountUsage): a change must still reach them — at once when the server's own
// process writes, after the 'external' event (within a second) when another process, the CLI,
// commits (DESIGN.md "CLI").

const FULL = '452 4.2.2 Mailbox full: over its quota, try again later';
let server: TestServer;
let annv: AccountId;
let limit: number;

beforeAll(async () => {
  server = await startTestServer({ config: { quota: { default: '200KB' } }, smtp: { queueWorker: false } });
  annv = asAccountId((await server.addUser('Nguyễn Văn An', { address: 'annv' })).address);
  limit = server.config.quota.default;
});
afterAll(() => server.close());

const store = (): MailStore => server.server.context.store;

/** A message of exactly `octets` bytes. */
function messageOf(octets: number): Buffer {
  const head = 'Subject: day\r\n\r\n';
  return Buffer.from(head + 'x'.repeat(octets - head.length));
}

async function rcpt(): Promise<string> {
  const client = await RawSmtp.connect(server.ports.mx);
  try {
    await client.hello();
    expect(await client.command('MAIL FROM:<tin@example.org>')).toMatch(/^250/);
    return await client.command(`RCPT TO:<${annv}>`);
  } finally {
    await client.quit();
  }
}

/** What the CLI does: its own connection to the database file; resolves once the server has noticed the commit. */
async function inAnotherProcess(work: (other: SqliteMailStore) => Promise<unknown> | unknown): Promise<void> {
  const noticed = new Promise<void>((resolve) => {
    const listener = (change: { kind: string }) => {
      if (change.kind !== 'external') return;
      store().events.off('change', listener);
      resolve();
    };
    store().events.on('change', listener);
  });
  const other = new SqliteMailStore(openDatabase(server.config.paths.database));
  try {
    await work(other);
  } finally {
    await other.close();
  }
  await noticed;
}

test('a mailbox filled or emptied by another process (the CLI) is seen at the next RCPT', async () => {
  expect(await rcpt()).toMatch(/^250/);
  expect(await rcpt()).toMatch(/^250/);
  await inAnotherProcess(async (other) => other.deliver([{ account: annv, folder: 'INBOX' }], messageOf(limit - await store().accountUsage(annv))));
  expect(await rcpt()).toBe(FULL);
  await inAnotherProcess(async (other) => {
    const inbox = (await other.getMailbox(annv, 'INBOX'))!.id;
    const uids = (await other.listMessages(inbox)).map((row) => row.uid);
    await other.storeFlags(inbox, uids, 'add', ['\\Deleted']);
    await other.expunge(inbox, uids);
  });
  expect(await store().accountUsage(annv)).toBe(0);
  expect(await rcpt()).toMatch(/^250/);
});

test('a delivery in the server process between RCPT and DATA is counted at DATA', async () => {
  const client = await RawSmtp.connect(server.ports.mx);
  try {
    await client.hello();
    expect(await client.command('MAIL FROM:<tin@example.org>')).toMatch(/^250/);
    expect(await client.command(`RCPT TO:<${annv}>`)).toMatch(/^250/);
    await store().deliver([{ account: annv, folder: 'INBOX' }], messageOf(limit - await store().accountUsage(annv) - 100));
    expect(await client.command('DATA')).toMatch(/^354/);
    client.write(`From: tin@example.org\r\nTo: ${annv}\r\nSubject: nho\r\n\r\n${'y'.repeat(300)}\r\n.\r\n`);
    expect(await client.reply()).toBe(FULL);
  } finally {
    client.destroy();
  }
});
