import { afterAll, beforeAll, expect, test } from 'vitest';
import { asAccountId, openDatabase, openSieveStore, SqliteMailStore, type AccountId } from '../../src/store/index.js';
import { sendThroughMx } from '../helpers/mx.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The active script of an account is remembered by the server (src/store/sieve.ts) and its
 * compiled program by each worker (src/sieve/evaluate.ts): a changed script must still be the
 * one the next message runs — at once when changed in the server's process (ManageSieve), after
 * the 'external' event (within a second) when another process, the CLI, commits it.
 */
let server: TestServer;
let annv: AccountId;

beforeAll(async () => {
  server = await startTestServer({ smtp: { queueWorker: false } });
  annv = asAccountId((await server.addUser('Nguyễn Văn An')).address);
});
afterAll(async () => {
  await server?.close();
});

const fileInto = (folder: string) => `require ["fileinto", "mailbox"];\nfileinto :create "${folder}";\n`;

/** Sends one message to annv through the MX and gives the folders holding it, by subject. */
async function foldersOf(subject: string): Promise<string[]> {
  expect(await sendThroughMx(server.ports.mx, { from: 'dan@example.org', to: annv, subject, text: 'Nội dung.' })).toMatch(/^250 /);
  const store = server.server.context.store;
  const names: string[] = [];
  for (const mailbox of await store.listMailboxes(annv)) {
    const raws = await Promise.all((await store.listMessages(mailbox.id)).map((row) => store.readBlob(row.blobId)));
    if (raws.some((raw) => raw.toString('utf8').includes(`Subject: ${subject}`))) names.push(mailbox.name);
  }
  return names;
}

/** What the CLI does: its own connection to the database file; resolves once the server has noticed the commit. */
async function inAnotherProcess(work: (scripts: ReturnType<typeof openSieveStore>) => Promise<unknown>): Promise<void> {
  const events = server.server.context.store.events;
  const noticed = new Promise<void>((resolve) => {
    const listener = (change: { kind: string }) => {
      if (change.kind !== 'external') return;
      events.off('change', listener);
      resolve();
    };
    events.on('change', listener);
  });
  const db = openDatabase(server.config.paths.database);
  const store = new SqliteMailStore(db);
  try {
    await work(openSieveStore(db));
  } finally {
    await store.close();
  }
  await noticed;
}

test('a script changed in the server process runs for the next message', async () => {
  const scripts = server.server.context.sieve;
  await scripts.putScript(annv, 'main', fileInto('Một'));
  expect(await scripts.setActive(annv, 'main')).toBe(true);
  expect(await foldersOf('thu 1')).toEqual(['Một']);
  expect(await foldersOf('thu 2')).toEqual(['Một']);
  await scripts.putScript(annv, 'main', fileInto('Hai'));
  expect(await foldersOf('thu 3')).toEqual(['Hai']);
  // Back to a text a worker compiled before: the same program again.
  await scripts.putScript(annv, 'main', fileInto('Một'));
  expect(await foldersOf('thu 4')).toEqual(['Một']);
});

test('a script changed or switched off by another process (the CLI) runs from the next message after it is noticed', async () => {
  expect(await foldersOf('thu 5')).toEqual(['Một']);
  await inAnotherProcess((scripts) => scripts.putScript(annv, 'main', fileInto('Ba')));
  expect(await foldersOf('thu 6')).toEqual(['Ba']);
  await inAnotherProcess(async (scripts) => expect(await scripts.setActive(annv, null)).toBe(true));
  expect(await foldersOf('thu 7')).toEqual(['INBOX']);
});
