import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import type { MailStore } from '../../src/store/index.js';
import { asAccountId, type MailboxId } from '../../src/store/types.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { message, PASSWORD, RawClient } from './support.js';

const MESSAGES = 300;
const SYNC = 'UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)';
type LogLine = Record<string, unknown>;

const opened: TestServer[] = [];
const dataDirs: string[] = [];
afterAll(async () => {
  for (const server of opened) await server.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A server whose log lines (debug included) are kept, parsed. */
async function serveWithLog(options: { dataDir?: string; config?: ConfigInput } = {}): Promise<{ server: TestServer; log: LogLine[] }> {
  const log: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') log.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const config = { ...options.config, server: { log_level: 'debug' } } as ConfigInput;
  const server = await startTestServer({ config, logDestination: destination, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  opened.push(server);
  return { server, log };
}

const WARM_UP_END = /^FETCH (path warmed up|warm-up)/;

async function warmUpEnd(log: readonly LogLine[]): Promise<LogLine> {
  for (;;) {
    const line = log.find((l) => typeof l.msg === 'string' && WARM_UP_END.test(l.msg));
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

/** The IMAP connection and login counters, as Prometheus scrapes them (curl's job, done with fetch). */
async function imapCounters(server: TestServer): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${server.ports.http}/metrics`)).text();
  return text.split('\n').filter((line) => /^cantho_(connections_total|logins_total)\{[^}]*imap/.test(line));
}

/** A data directory with MESSAGES messages in annv's INBOX, some flagged, whose encodings a client's sync saved; the server stopped. */
async function filledDataDir(): Promise<{ dataDir: string; inbox: MailboxId; before: Awaited<ReturnType<typeof stateOf>> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cm-warm-up-'));
  dataDirs.push(dataDir);
  const first = await startTestServer({ dataDir });
  const account = asAccountId((await first.addUser('Nguyễn Văn An', { address: 'annv', password: PASSWORD })).address);
  const store = first.server.context.store;
  await store.ensureAccount(account);
  for (let i = 0; i < MESSAGES; i++) await store.deliver([{ account, folder: 'INBOX' }], message(`Báo cáo số ${i}`));
  const inbox = (await store.getMailbox(account, 'INBOX'))!;
  const uids = (await store.listMessages(inbox.id)).map((row) => row.uid);
  await store.storeFlags(inbox.id, uids.slice(0, 10), 'add', ['\\Seen', '\\Flagged']);
  // EXAMINE leaves \Recent to whoever selects next; the sync saves the encodings.
  const client = await login(first.ports.imap);
  await client.command('E', 'EXAMINE INBOX');
  expect((await client.command('F', SYNC)).at(-1)).toMatch(/^F OK/);
  client.close();
  const before = await stateOf(store, inbox.id);
  expect(before.protocolCache).toHaveLength(MESSAGES);
  expect(before.recent).toHaveLength(MESSAGES);
  await first.close();
  return { dataDir, inbox: inbox.id, before };
}

describe('FETCH warm-up at start-up (src/imap/warm-up.ts)', () => {
  it('runs a sync through its own session after a restart and changes nothing: flags, MODSEQ, \\Recent, saved encodings', async () => {
    const { dataDir, inbox, before } = await filledDataDir();
    const { server, log } = await serveWithLog({ dataDir });
    const counters = await imapCounters(server);
    // EXAMINE, two rounds of two FETCHes, LOGOUT: every one answered OK.
    expect(await warmUpEnd(log)).toMatchObject({ msg: 'FETCH path warmed up', messages: MESSAGES, rounds: 2, completed: 6, commands: 6 });
    expect(await stateOf(server.server.context.store, inbox)).toEqual(before);

    // Nothing of it above debug, and no connection or login counted.
    const ofWarmUp = log.filter((line) => typeof line.cid === 'string' && line.cid.endsWith('-warm-up'));
    expect(ofWarmUp.map((line) => line.msg)).toEqual(expect.arrayContaining(['command']));
    expect(ofWarmUp.filter((line) => (line.level as number) > 20)).toEqual([]);
    expect(await imapCounters(server)).toEqual(counters);

    // The first client to select still takes every \Recent (RFC 3501 §2.3.2), with the flags as they were.
    const client = await login(server.ports.imap);
    const select = await client.command('S', 'SELECT INBOX');
    expect(select).toContain(`* ${MESSAGES} EXISTS`);
    expect(select).toContain(`* ${MESSAGES} RECENT`);
    expect((await client.command('F', 'FETCH 1 (FLAGS)'))[0]).toBe('* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))');
    expect((await client.command('G', 'FETCH 11 (FLAGS)'))[0]).toBe('* 11 FETCH (FLAGS (\\Recent))');
    client.close();
  });

  it('is not seen by a client logged in while it runs: no update, and the one connection a user may have is the client\'s', async () => {
    const { dataDir } = await filledDataDir();
    const { server, log } = await serveWithLog({ dataDir, config: { imap: { max_connections_per_user: 1 } } });
    const client = await login(server.ports.imap);
    expect((await client.command('S', 'SELECT INBOX')).at(-1)).toMatch(/^S OK \[READ-WRITE\]/);
    expect((await warmUpEnd(log)).msg).toBe('FETCH path warmed up');
    // Only the tagged OK: no EXISTS, EXPUNGE or FETCH FLAGS from the warm-up's reading.
    expect(await client.command('N', 'NOOP')).toEqual(['N OK NOOP completed']);
    client.close();
  });

  it('is skipped when no mailbox holds a message', async () => {
    const { log } = await serveWithLog();
    expect((await warmUpEnd(log)).msg).toBe('FETCH warm-up skipped: no message to run it on');
  });

  it('does not run with [imap] warm_up = false', async () => {
    const { dataDir } = await filledDataDir();
    const { server, log } = await serveWithLog({ dataDir, config: { imap: { warm_up: false } } });
    // The warm-up would follow the preload, and closing the server waits for both.
    while (!log.some((line) => line.msg === 'encoded ENVELOPE/BODYSTRUCTURE preloaded')) await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    opened.splice(opened.indexOf(server), 1);
    expect(log.filter((line) => typeof line.msg === 'string' && WARM_UP_END.test(line.msg))).toEqual([]);
    expect(log.filter((line) => typeof line.cid === 'string' && line.cid.endsWith('-warm-up'))).toEqual([]);
  });
});
