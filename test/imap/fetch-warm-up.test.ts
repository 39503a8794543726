import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { asAccountId, type MailboxId } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { message, PASSWORD, RawClient } from './support.js';

const MESSAGES = 300;
const opened: TestServer[] = [];
let dataDir: string | null = null;
afterAll(async () => {
  for (const server of opened) await server.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A server on `dir` whose debug log lines are kept, parsed. */
async function serveWithLog(dir?: string): Promise<{ server: TestServer; log: Array<Record<string, unknown>> }> {
  const log: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') log.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await startTestServer({ config: { server: { log_level: 'debug' } }, logDestination: destination, ...(dir ? { dataDir: dir } : {}) });
  opened.push(server);
  return { server, log };
}

async function logLine(log: ReadonlyArray<Record<string, unknown>>, msg: RegExp): Promise<Record<string, unknown>> {
  for (;;) {
    const line = log.find((l) => typeof l.msg === 'string' && msg.test(l.msg));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What a warm-up must leave as it found it: rows (flags, MODSEQ), \Recent, the saved encodings. */
async function stateOf(store: MailStore, mailbox: MailboxId) {
  const rows = await store.listMessages(mailbox);
  return {
    rows: rows.map((row) => ({ uid: row.uid, flags: row.flags, modSeq: row.modSeq })),
    recent: await store.recentUids(mailbox),
    protocolCache: [...(await store.protocolCache(mailbox, rows.map((row) => row.uid))).entries()],
    highestModSeq: (await store.getMailboxById(mailbox))?.highestModSeq,
  };
}

async function login(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  expect((await client.command('L', `LOGIN annv "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
  return client;
}

describe('FETCH warm-up at start-up (src/imap/fetch/warm-up.ts)', () => {
  it('runs the sync FETCH over the largest mailbox twice after a restart and changes nothing a client sees', async () => {
    // Ours, so that it outlives the first server (startTestServer removes only the directories it made).
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cm-warm-up-'));
    const first = await startTestServer({ dataDir });
    opened.push(first);
    const account = asAccountId((await first.addUser('Nguyễn Văn An', { address: 'annv', password: PASSWORD })).address);
    const store = first.server.context.store;
    await store.ensureAccount(account);
    for (let i = 0; i < MESSAGES; i++) await store.deliver([{ account, folder: 'INBOX' }], message(`Báo cáo số ${i}`));
    const inbox = (await store.getMailbox(account, 'INBOX'))!;
    const uids = (await store.listMessages(inbox.id)).map((row) => row.uid);
    await store.storeFlags(inbox.id, uids.slice(0, 10), 'add', ['\\Seen', '\\Flagged']);
    // A client's sync saves the encodings; EXAMINE leaves \Recent to whoever selects next.
    const client = await login(first.ports.imap);
    await client.command('E', 'EXAMINE INBOX');
    expect((await client.command('F', 'UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)')).at(-1)).toMatch(/^F OK/);
    client.close();
    const before = await stateOf(store, inbox.id);
    expect(before.protocolCache).toHaveLength(MESSAGES);
    expect(before.recent).toHaveLength(MESSAGES);
    await first.close();
    opened.splice(opened.indexOf(first), 1);

    const { server, log } = await serveWithLog(dataDir);
    expect(await logLine(log, /^FETCH (path warmed up|warm-up)/)).toMatchObject({ msg: 'FETCH path warmed up', messages: MESSAGES, rounds: 2 });
    expect(await stateOf(server.server.context.store, inbox.id)).toEqual(before);
    // The first client to select still takes every \Recent (RFC 3501 §2.3.2), the flags as they were.
    const after = await login(server.ports.imap);
    const select = await after.command('S', 'SELECT INBOX');
    expect(select).toContain(`* ${MESSAGES} EXISTS`);
    expect(select).toContain(`* ${MESSAGES} RECENT`);
    expect((await after.command('F', 'FETCH 1 (FLAGS)'))[0]).toBe('* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))');
    after.close();
  });

  it('is skipped when no mailbox holds a message', async () => {
    const { log } = await serveWithLog();
    expect((await logLine(log, /^FETCH (path warmed up|warm-up)/)).msg).toBe('FETCH warm-up skipped: no message to run it on');
  });
});
