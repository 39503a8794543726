import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('SELECT and EXAMINE (RFC 3501 §6.3.1-2, RFC 7162 §3.1.2.1)', () => {
  test('SELECT announces flags, counts, the first unseen message, UIDs and HIGHESTMODSEQ', async () => {
    await server.store.createMailbox(ANNV, 'Chọn');
    const box = (await server.store.getMailbox(ANNV, 'Chọn'))!;
    await server.store.append(box.id, message('một'), { flags: ['\\Seen'] });
    await server.store.append(box.id, message('hai'), { flags: ['$Important'] });
    await server.store.append(box.id, message('ba'));
    const info = (await server.store.getMailbox(ANNV, 'Chọn'))!;
    const client = await loggedIn(server);
    expect(await client.command('s', 'SELECT "Ch&Hs0-n"')).toEqual([
      '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)',
      '* 3 EXISTS',
      '* 3 RECENT',
      '* OK [UNSEEN 2] First unseen message',
      '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important \\*)] Flags permitted',
      `* OK [UIDVALIDITY ${info.uidValidity}] UIDs valid`,
      '* OK [UIDNEXT 4] Predicted next UID',
      `* OK [HIGHESTMODSEQ ${info.highestModSeq}] Highest mod-sequence`,
      's OK [READ-WRITE] SELECT completed',
    ]);
    // RFC 3501 §2.3.2: \Recent went to the first session; a second one sees none.
    const second = await loggedIn(server);
    expect(await second.command('s', 'SELECT "Ch&Hs0-n"')).toContain('* 0 RECENT');
    client.close();
    second.close();
  });

  test('EXAMINE is read-only, with no permanent flags, and leaves \\Recent alone', async () => {
    await server.store.createMailbox(ANNV, 'Xem');
    const box = (await server.store.getMailbox(ANNV, 'Xem'))!;
    await server.store.append(box.id, message());
    const client = await loggedIn(server);
    const reply = await client.command('e', 'EXAMINE Xem');
    expect(reply).toContain('* 1 RECENT');
    expect(reply).toContain('* OK [PERMANENTFLAGS ()] Flags permitted');
    expect(reply.at(-1)).toBe('e OK [READ-ONLY] EXAMINE completed');
    expect((await server.store.mailboxCounts(box.id)).recent).toBe(1);
    client.close();
  });

  test('selecting another mailbox says [CLOSED] first; a failed SELECT leaves none selected', async () => {
    const client = await loggedIn(server);
    await client.command('s1', 'SELECT INBOX');
    const reply = await client.command('s2', 'SELECT Sent');
    expect(reply[0]).toBe('* OK [CLOSED] Previous mailbox closed');
    expect(await client.command('s3', 'SELECT Nowhere')).toEqual(['* OK [CLOSED] Previous mailbox closed', 's3 NO [NONEXISTENT] No such mailbox']);
    expect(await client.command('c', 'CHECK')).toEqual(['c BAD CHECK is not valid in the authenticated state']);
    client.close();
  });

  test('INBOX is found in any case, and a decomposed name finds its composed mailbox', async () => {
    const client = await loggedIn(server);
    expect((await client.command('s', 'SELECT iNbOx')).at(-1)).toBe('s OK [READ-WRITE] SELECT completed');
    // "Chọn" as C h o U+0323 n.
    expect((await client.command('d', 'EXAMINE Cho&AyM-n')).at(-1)).toBe('d OK [READ-ONLY] EXAMINE completed');
    client.close();
  });

  test('SELECT (CONDSTORE) enables CONDSTORE; other parameters are BAD', async () => {
    const client = await loggedIn(server);
    expect((await client.command('s', 'SELECT INBOX (CONDSTORE)')).at(-1)).toBe('s OK [READ-WRITE] SELECT completed');
    // A command that does not parse is not run: the mailbox stays selected.
    expect(await client.command('q', 'SELECT INBOX (FOO (1 2))')).toEqual(['q BAD unknown SELECT parameter FOO at octet 19']);
    expect(await client.command('c', 'CHECK')).toEqual(['c OK CHECK completed']);
    client.close();
  });

  test('imapflow opens a mailbox and sees its counts', async () => {
    const flow = imapflow(server);
    await flow.connect();
    const box = await flow.mailboxOpen('Chọn');
    expect(box.exists).toBe(3);
    expect(box.uidNext).toBe(4);
    expect(typeof box.highestModseq).toBe('bigint');
    await flow.logout();
  });
});
