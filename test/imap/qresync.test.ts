import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MailboxId, ModSeq, Uid } from '../../src/store/types.js';
import { ANNV, PASSWORD, RawClient, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

/** RFC 7162 §3.2 QRESYNC: ENABLE, SELECT … (QRESYNC …), VANISHED (EARLIER), VANISHED, UID FETCH … (VANISHED). */
let server: ImapTestServer;
beforeAll(async () => {
  // A short expunge history, so that the pruning rule (src/store/expunge-history.ts) is reached.
  server = await startImapTestServer({ imap: { vanished_history: 4 } });
});
afterAll(async () => {
  await server.close();
});

/** A mailbox of `count` messages (UIDs 1..count). */
async function mailboxWith(name: string, count: number): Promise<{ id: MailboxId; uidValidity: number }> {
  const box = await server.store.createMailbox(ANNV, name);
  for (let i = 1; i <= count; i++) await server.store.append(box.id, message(`thư ${i}`));
  return { id: box.id, uidValidity: box.uidValidity };
}

async function expungeUids(id: MailboxId, uids: number[]): Promise<void> {
  await server.store.storeFlags(id, uids as Uid[], 'add', ['\\Deleted']);
  await server.store.expunge(id, uids as Uid[]);
}

const highestModSeq = async (id: MailboxId): Promise<ModSeq> => (await server.store.getMailboxById(id))!.highestModSeq;

async function qresyncClient(): Promise<RawClient> {
  const client = await loggedIn(server);
  expect(await client.command('e', 'ENABLE QRESYNC')).toEqual(['* ENABLED QRESYNC', 'e OK ENABLE completed']);
  return client;
}

describe('QRESYNC (RFC 7162 §3.2)', () => {
  test('is announced, and the QRESYNC parameter needs ENABLE QRESYNC first (§3.2.5)', async () => {
    const client = await loggedIn(server);
    expect((await client.command('c', 'CAPABILITY'))[0]).toContain(' CONDSTORE QRESYNC ');
    expect((await client.command('s', 'SELECT INBOX (QRESYNC (1 1))')).at(-1)).toMatch(/^s BAD QRESYNC parameter without ENABLE QRESYNC/);
    client.close();
  });

  test('SELECT (QRESYNC) sends VANISHED (EARLIER) and the changed flags since the client state (§3.2.5 example)', async () => {
    const box = await mailboxWith('Resync', 6);
    const before = await highestModSeq(box.id);
    await server.store.storeFlags(box.id, [2 as Uid], 'add', ['\\Seen']);
    await expungeUids(box.id, [3, 4]);
    const client = await qresyncClient();
    const reply = await client.command('s', `SELECT Resync (QRESYNC (${box.uidValidity} ${before}))`);
    const seen = (await server.store.getMessages(box.id, [2 as Uid]))[0]!;
    expect(reply.slice(-3)).toEqual([
      '* VANISHED (EARLIER) 3:4',
      `* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent) MODSEQ (${seen.modSeq}))`,
      's OK [READ-WRITE] SELECT completed',
    ]);
    // ENABLE QRESYNC implied CONDSTORE (§3.2.3): FETCH FLAGS carries MODSEQ.
    expect(await client.command('f', 'FETCH 1 (FLAGS)')).toEqual([`* 1 FETCH (FLAGS (\\Recent) MODSEQ (${(await server.store.getMessages(box.id, [1 as Uid]))[0]!.modSeq}))`, 'f OK FETCH completed']);
    // known-uids limits the answer; seq-match-data is accepted.
    const known = await client.command('k', `EXAMINE Resync (QRESYNC (${box.uidValidity} ${before} 1:2,4 (1:2 1:2)))`);
    // (\Recent went to the first SELECT.)
    expect(known.filter((l) => l.includes('VANISHED') || l.includes('FETCH'))).toEqual(['* VANISHED (EARLIER) 4', `* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (${seen.modSeq}))`]);
    // A different UIDVALIDITY: nothing beyond the usual responses.
    const other = await client.command('u', `EXAMINE Resync (QRESYNC (${box.uidValidity + 1} ${before}))`);
    expect(other.filter((l) => l.includes('VANISHED') || l.includes('FETCH'))).toEqual([]);
    expect(other.at(-1)).toBe('u OK [READ-ONLY] EXAMINE completed');
    client.close();
  });

  test('expunges during the session are announced as VANISHED, not EXPUNGE (§3.2.10)', async () => {
    const box = await mailboxWith('Live', 4);
    const client = await qresyncClient();
    await client.command('s', 'SELECT Live');
    await expungeUids(box.id, [2, 3]);
    expect(await client.command('n', 'NOOP')).toEqual(['* VANISHED 2:3', 'n OK NOOP completed']);
    // Its own EXPUNGE too.
    await client.command('d', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
    expect(await client.command('x', 'EXPUNGE')).toEqual(['* VANISHED 4', 'x OK EXPUNGE completed']);
    client.close();
  });

  test('UID FETCH … (CHANGEDSINCE m VANISHED) reports expunged UIDs of the set first (§3.2.6)', async () => {
    const box = await mailboxWith('Fetch', 5);
    const before = await highestModSeq(box.id);
    await expungeUids(box.id, [1, 4]);
    await server.store.storeFlags(box.id, [5 as Uid], 'add', ['$Done']);
    const client = await qresyncClient();
    await client.command('s', 'SELECT Fetch');
    const five = (await server.store.getMessages(box.id, [5 as Uid]))[0]!;
    expect(await client.command('f', `UID FETCH 2:5 (FLAGS) (CHANGEDSINCE ${before} VANISHED)`)).toEqual([
      '* VANISHED (EARLIER) 4',
      `* 3 FETCH (UID 5 FLAGS ($Done \\Recent) MODSEQ (${five.modSeq}))`,
      'f OK UID FETCH completed',
    ]);
    expect(await client.command('g', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${before} VANISHED)`)).toEqual(['g BAD VANISHED needs UID FETCH and ENABLE QRESYNC']);
    expect((await client.command('h', 'UID FETCH 1:* (FLAGS) (VANISHED)')).at(-1)).toMatch(/^h BAD VANISHED needs CHANGEDSINCE/);
    client.close();
    const plain = await loggedIn(server);
    await plain.command('s', 'SELECT Fetch');
    expect(await plain.command('f', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${before} VANISHED)`)).toEqual(['f BAD VANISHED needs UID FETCH and ENABLE QRESYNC']);
    plain.close();
  });

  test('a client state older than the kept history gets every absent UID: the full resync of §3.2.5.2', async () => {
    const box = await mailboxWith('Pruned', 10);
    const ancient = await highestModSeq(box.id);
    // Six expunges, one MODSEQ each: with vanished_history = 4 the oldest records are pruned.
    for (const uid of [1, 2, 3, 5, 6]) await expungeUids(box.id, [uid]);
    const recentState = await highestModSeq(box.id);
    await expungeUids(box.id, [8]);
    expect(await server.store.expungedSince(box.id, ancient)).toBeNull();
    const client = await qresyncClient();
    const full = await client.command('s', `SELECT Pruned (QRESYNC (${box.uidValidity} ${ancient}))`);
    expect(full.filter((l) => l.includes('VANISHED'))).toEqual(['* VANISHED (EARLIER) 1:3,5:6,8']);
    const limited = await client.command('k', `EXAMINE Pruned (QRESYNC (${box.uidValidity} ${ancient} 2:7))`);
    expect(limited.filter((l) => l.includes('VANISHED'))).toEqual(['* VANISHED (EARLIER) 2:3,5:6']);
    await client.command('s2', 'SELECT Pruned');
    expect((await client.command('f', `UID FETCH 1:20 (UID) (CHANGEDSINCE ${ancient} VANISHED)`))[0]).toBe('* VANISHED (EARLIER) 1:3,5:6,8');
    // A recent state is still answered exactly from the history.
    expect(await server.store.expungedSince(box.id, recentState)).toEqual([8]);
    const recent = await client.command('r', `EXAMINE Pruned (QRESYNC (${box.uidValidity} ${recentState}))`);
    expect(recent.filter((l) => l.includes('VANISHED'))).toEqual(['* VANISHED (EARLIER) 8']);
    client.close();
  });

  test('imapflow with qresync: true resynchronises a mailbox and hears of expunges as vanished', async () => {
    const box = await mailboxWith('Flow', 4);
    const before = await highestModSeq(box.id);
    await expungeUids(box.id, [2]);
    const flow = new ImapFlow({
      host: '127.0.0.1',
      port: server.ports.imap,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'annv', pass: PASSWORD },
      logger: false,
      qresync: true,
      disableAutoIdle: true,
    });
    const expunged: Array<{ uid?: number; vanished: boolean; earlier?: boolean }> = [];
    flow.on('expunge', (event) => expunged.push({ uid: event.uid, vanished: event.vanished, earlier: event.earlier }));
    await flow.connect();
    expect(flow.enabled.has('QRESYNC')).toBe(true);
    await flow.mailboxOpen('Flow', { uidValidity: BigInt(box.uidValidity), changedSince: BigInt(before) } as never);
    expect(expunged).toEqual([{ uid: 2, vanished: true, earlier: true }]);
    await expungeUids(box.id, [3]);
    await flow.noop();
    expect(expunged.at(-1)).toEqual({ uid: 3, vanished: true, earlier: false });
    await flow.logout();
  });
});
