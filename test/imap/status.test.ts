import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Uid } from '../../src/store/types.js';
import { ANNV, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
let sizes = 0;
beforeAll(async () => {
  server = await startImapTestServer();
  const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
  for (const [subject, flags] of [['một', ['\\Seen']], ['hai', ['\\Deleted']], ['ba', []]] as const) {
    const raw = message(subject);
    sizes += raw.length;
    await server.store.append(inbox.id, raw, { flags: [...flags] });
  }
});
afterAll(async () => {
  await server.close();
});

describe('STATUS (RFC 3501 §6.3.10, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ)', () => {
  test('answers every item in the order asked', async () => {
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const client = await loggedIn(server);
    expect(await client.command('s', 'STATUS INBOX (UIDNEXT MESSAGES UNSEEN RECENT UIDVALIDITY SIZE HIGHESTMODSEQ DELETED)')).toEqual([
      `* STATUS INBOX (UIDNEXT 4 MESSAGES 3 UNSEEN 2 RECENT 3 UIDVALIDITY ${inbox.uidValidity} SIZE ${sizes} HIGHESTMODSEQ ${inbox.highestModSeq} DELETED 1)`,
      's OK STATUS completed',
    ]);
    client.close();
  });

  test('HIGHESTMODSEQ enables CONDSTORE: the HIGHESTMODSEQ of the selected mailbox once, then MODSEQ in unsolicited FETCH (RFC 7162 §3.1, §3.2)', async () => {
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const archive = (await server.store.getMailbox(ANNV, 'Archive'))!;
    const client = await loggedIn(server);
    await client.command('e', 'EXAMINE INBOX');
    expect(await client.command('s1', 'STATUS Archive (HIGHESTMODSEQ)')).toEqual([
      `* OK [HIGHESTMODSEQ ${inbox.highestModSeq}] Highest mod-sequence`,
      `* STATUS Archive (HIGHESTMODSEQ ${archive.highestModSeq})`,
      's1 OK STATUS completed',
    ]);
    expect(await client.command('s2', 'STATUS Archive (HIGHESTMODSEQ)')).toEqual([`* STATUS Archive (HIGHESTMODSEQ ${archive.highestModSeq})`, 's2 OK STATUS completed']);
    // §3.2: from now on unsolicited FETCH responses carry MODSEQ.
    const [row] = (await server.store.storeFlags(inbox.id, [3 as Uid], 'add', ['$Important'])).updated;
    expect(await client.command('n', 'NOOP')).toEqual([`* 3 FETCH (UID 3 FLAGS ($Important \\Recent) MODSEQ (${row!.modSeq}))`, 'n OK NOOP completed']);
    client.close();
  });

  test('a missing mailbox is NONEXISTENT; unknown or no items are BAD', async () => {
    const client = await loggedIn(server);
    expect(await client.command('s1', 'STATUS Nowhere (MESSAGES)')).toEqual(['s1 NO [NONEXISTENT] No such mailbox']);
    expect(await client.command('s2', 'STATUS INBOX (BOGUS)')).toEqual(['s2 BAD unknown STATUS item BOGUS at octet 22']);
    expect(await client.command('s3', 'STATUS INBOX ()')).toEqual(['s3 BAD empty list at octet 18']);
    client.close();
  });

  test('imapflow reads the status, size included', async () => {
    const flow = imapflow(server);
    await flow.connect();
    const status = await flow.status('INBOX', { messages: true, unseen: true, uidNext: true, highestModseq: true });
    expect(status).toMatchObject({ messages: 3, unseen: 2, uidNext: 4 });
    await flow.logout();
  });
});
