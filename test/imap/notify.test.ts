/**
 * RFC 5465 NOTIFY over raw sessions: events reach a connection between commands (no IDLE), for
 * the mailboxes its filters name and nothing else, with the ACL of the shared namespace respected.
 */
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { ANNV, RawClient, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

const SOTTTT = asAccountId('sotttt@cantho.gov.vn');

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ imap: { hide_capabilities: [{ capabilities: ['NOTIFY'], accounts: ['chilt'] }] } });
  await server.addUser('chilt');
  await server.addUser('binhlq');
  await server.addUser('daott', { unit: 'sotttt' });
  await server.store.ensureAccount(SOTTTT);
  server.server.grant('sotttt', ANNV, { rights: 'lr' });
}, 240_000);
afterAll(async () => {
  await server.close();
});

/** The STATUS line NOTIFY sends for `name` of `account` as the store has it now (RFC 5465 §5.2). */
async function statusLine(wire: string, account = ANNV, name = wire, condstore = false): Promise<string> {
  const mailbox = (await server.store.getMailbox(account, name))!;
  const counts = await server.store.mailboxCounts(mailbox.id);
  const modSeq = condstore ? ` HIGHESTMODSEQ ${mailbox.highestModSeq}` : '';
  return `* STATUS ${wire} (MESSAGES ${counts.messages} UIDNEXT ${mailbox.uidNext} UIDVALIDITY ${mailbox.uidValidity} UNSEEN ${counts.unseen}${modSeq})`;
}

/** Nothing was sent unasked: a NOOP gets its tagged OK alone. */
async function expectQuiet(client: RawClient): Promise<void> {
  expect(await client.command('q', 'NOOP')).toEqual(['q OK NOOP completed']);
}

describe('NOTIFY (RFC 5465)', () => {
  test('is announced after login, and not to a session it is hidden from', async () => {
    const annv = await loggedIn(server);
    expect((await annv.command('c', 'CAPABILITY'))[0]).toMatch(/ NOTIFY /);
    annv.close();
    const chilt = await loggedIn(server, 'chilt');
    expect((await chilt.command('c', 'CAPABILITY'))[0]).not.toMatch(/ NOTIFY /);
    expect(await chilt.command('n', 'NOTIFY NONE')).toEqual(['n BAD Unknown command NOTIFY']);
    chilt.close();
  });

  test('a message delivered by SMTP to a mailbox that is not selected arrives as STATUS, without IDLE', async () => {
    const client = await loggedIn(server);
    expect(await client.command('n', 'NOTIFY SET (INBOXES (MessageNew MessageExpunge)) (PERSONAL (MessageNew MessageExpunge MailboxName))')).toEqual(['n OK NOTIFY completed']);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'vanthu@soyte.example', to: 'annv@cantho.gov.vn', subject: 'Giấy mời họp', text: 'Kính mời anh dự họp.' });
    transport.close();
    expect(await client.readLine()).toBe(await statusLine('INBOX'));
    // Another connection's APPEND to another personal folder.
    const other = await loggedIn(server);
    const body = message('Lưu trữ');
    other.send(Buffer.concat([Buffer.from(`a APPEND Archive {${body.length}+}\r\n`), body, Buffer.from('\r\n')]));
    expect((await other.until((line) => line.startsWith('a '))).at(-1)).toMatch(/^a OK /);
    expect(await client.readLine()).toBe(await statusLine('Archive'));
    other.close();
    client.close();
  });

  test('a flag change in another mailbox is a STATUS with HIGHESTMODSEQ once CONDSTORE is enabled', async () => {
    const client = await loggedIn(server);
    expect(await client.command('e', 'ENABLE CONDSTORE')).toEqual(['* ENABLED CONDSTORE', 'e OK ENABLE completed']);
    expect(await client.command('n', 'NOTIFY SET (PERSONAL (MessageNew MessageExpunge FlagChange))')).toEqual(['n OK NOTIFY completed']);
    const drafts = (await server.store.getMailbox(ANNV, 'Drafts'))!;
    const { uid } = await server.store.append(drafts.id, message('Nháp'));
    expect(await client.readLine()).toBe(await statusLine('Drafts', ANNV, 'Drafts', true));
    await server.store.storeFlags(drafts.id, [uid], 'add', ['\\Seen']);
    expect(await client.readLine()).toBe(await statusLine('Drafts', ANNV, 'Drafts', true));
    client.close();
  });

  test('in IDLE, exactly what NOTIFY asked for: other mailboxes yes, the selected one only with SELECTED (§4)', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT Archive');
    expect(await client.command('n', 'NOTIFY SET (INBOXES (MessageNew MessageExpunge))')).toEqual(['n OK NOTIFY completed']);
    client.send('i IDLE\r\n');
    expect(await client.readLine()).toBe('+ idling');
    const archive = (await server.store.getMailbox(ANNV, 'Archive'))!;
    const exists = (await server.store.mailboxCounts(archive.id)).messages + 1;
    await server.store.append(archive.id, message('không báo trong IDLE'));
    await server.store.deliver([{ account: ANNV, folder: 'INBOX' }], message('Báo ngay'));
    expect(await client.readLine()).toBe(await statusLine('INBOX'));
    client.send('DONE\r\n');
    // RFC 3501 still announces the selected mailbox before the tagged response.
    expect(await client.until((line) => line.startsWith('i '))).toEqual([`* ${exists} EXISTS`, expect.stringMatching(/^\* \d+ RECENT$/), 'i OK IDLE terminated']);
    client.close();
  });

  test('the STATUS indicator sends the status of every watched mailbox before the tagged OK', async () => {
    const client = await loggedIn(server);
    expect(await client.command('n', 'NOTIFY SET STATUS (MAILBOXES (INBOX Drafts) (MessageNew MessageExpunge))')).toEqual([await statusLine('Drafts'), await statusLine('INBOX'), 'n OK NOTIFY completed']);
    client.close();
  });

  test('new messages in the selected mailbox come with the FETCH attributes asked for; expunges at once', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT INBOX');
    const reply = await client.command('n', 'NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge))');
    expect(reply.at(-1)).toBe('n OK NOTIFY completed');
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const before = (await server.store.mailboxCounts(inbox.id)).messages;
    await server.store.deliver([{ account: ANNV, folder: 'INBOX' }], message('Lich cong tac'));
    const uid = (await server.store.listMessages(inbox.id)).at(-1)!.uid;
    const header = 'Subject: Lich cong tac\r\n\r\n';
    expect(await client.until((line) => line === ')')).toEqual([
      `* ${before + 1} EXISTS`,
      expect.stringMatching(/^\* \d+ RECENT$/),
      `* ${before + 1} FETCH (UID ${uid} BODY[HEADER.FIELDS (SUBJECT)] {${header.length}}`,
      'Subject: Lich cong tac',
      '',
      ')',
    ]);
    await server.store.storeFlags(inbox.id, [uid], 'add', ['\\Deleted']);
    await server.store.expunge(inbox.id, [uid]);
    expect(await client.readLine()).toBe(`* ${before + 1} EXPUNGE`);
    client.close();
  });

  test('SELECTED-DELAYED keeps EXPUNGE for a command that allows it; new messages still come at once', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT INBOX');
    expect((await client.command('n', 'NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge))')).at(-1)).toBe('n OK NOTIFY completed');
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    const uid = (await server.store.append(inbox.id, message('tạm'))).uid;
    const exists = (await server.store.mailboxCounts(inbox.id)).messages;
    expect(await client.readLine()).toBe(`* ${exists} EXISTS`);
    expect(await client.readLine()).toMatch(/^\* \d+ RECENT$/);
    await server.store.storeFlags(inbox.id, [uid], 'add', ['\\Deleted']);
    await server.store.expunge(inbox.id, [uid]);
    expect(await client.command('f', 'FETCH 1 UID')).toEqual([expect.stringMatching(/^\* 1 FETCH \(UID \d+\)$/), 'f OK FETCH completed']);
    expect(await client.command('q', 'NOOP')).toEqual([`* ${exists} EXPUNGE`, 'q OK NOOP completed']);
    client.close();
  });

  test('MailboxName: CREATE, RENAME and DELETE by another connection, not this session\'s own', async () => {
    const client = await loggedIn(server);
    expect(await client.command('n', 'NOTIFY SET (PERSONAL (MailboxName SubscriptionChange))')).toEqual(['n OK NOTIFY completed']);
    const other = await loggedIn(server);
    await other.command('c', 'CREATE Du-an');
    expect(await client.readLine()).toBe('* LIST () "/" Du-an');
    await other.command('r', 'RENAME Du-an Du-an-2026');
    expect(await client.readLine()).toBe('* LIST () "/" Du-an-2026 (OLDNAME (Du-an))');
    await other.command('s', 'SUBSCRIBE Du-an-2026');
    expect(await client.readLine()).toBe('* LIST (\\Subscribed) "/" Du-an-2026');
    await other.command('u', 'UNSUBSCRIBE Du-an-2026');
    expect(await client.readLine()).toBe('* LIST () "/" Du-an-2026');
    await other.command('d', 'DELETE Du-an-2026');
    expect(await client.readLine()).toBe('* LIST (\\NonExistent) "/" Du-an-2026');
    // RFC 5465 §5: what this client did itself is not echoed back.
    expect(await client.command('c', 'CREATE Rieng')).toEqual(['c OK CREATE completed']);
    await expectQuiet(client);
    other.close();
    client.close();
  });

  test("another process's write seen during this session's own CREATE does not echo the CREATE (RFC 5465 §5)", async () => {
    const client = await loggedIn(server);
    expect(await client.command('n', 'NOTIFY SET (PERSONAL (MailboxName))')).toEqual(['n OK NOTIFY completed']);
    // Another process (the CLI, another node on the same file) commits just as this CREATE runs:
    // the store's 'external' change comes first, its re-read of the names would see the new one.
    const store = server.store;
    const create = store.createMailbox.bind(store);
    store.createMailbox = (...args: Parameters<typeof create>) => {
      store.events.emit('change', { kind: 'external' });
      return create(...args);
    };
    try {
      expect(await client.command('c', 'CREATE Rieng-2')).toEqual(['c OK CREATE completed']);
    } finally {
      store.createMailbox = create;
    }
    await expectQuiet(client);
    client.close();
  });

  test('a unit INBOX in the shared namespace is watched by its delegate and by nobody else', async () => {
    const delegate = await loggedIn(server);
    expect(await delegate.command('n', 'NOTIFY SET (SUBTREE Shared/sotttt (MessageNew MessageExpunge MailboxName))')).toEqual(['n OK NOTIFY completed']);
    const outsider = await loggedIn(server, 'binhlq');
    expect(await outsider.command('n', 'NOTIFY SET STATUS (SUBTREE Shared/sotttt (MessageNew MessageExpunge MailboxName)) (MAILBOXES Shared/sotttt/INBOX (MessageNew MessageExpunge))')).toEqual([
      'n OK NOTIFY completed',
    ]);
    await server.store.deliver([{ account: SOTTTT, folder: 'INBOX' }], message('Công văn đến'));
    expect(await delegate.readLine()).toBe(await statusLine('Shared/sotttt/INBOX', SOTTTT, 'INBOX'));
    await server.store.createMailbox(SOTTTT, 'Luu tru');
    expect(await delegate.readLine()).toBe('* LIST () "/" "Shared/sotttt/Luu tru"');
    await expectQuiet(outsider);
    outsider.close();
    delegate.close();
  });

  test('NOTIFY NONE stops the notifications', async () => {
    const client = await loggedIn(server);
    await client.command('n', 'NOTIFY SET (INBOXES (MessageNew MessageExpunge))');
    expect(await client.command('n', 'NOTIFY NONE')).toEqual(['n OK NOTIFY completed']);
    await server.store.deliver([{ account: ANNV, folder: 'INBOX' }], message('không báo'));
    await expectQuiet(client);
    client.close();
  });

  test('bad syntax and broken composition rules are BAD (§5, §6.1)', async () => {
    const client = await loggedIn(server);
    for (const [args, reason] of [
      ['NOTIFY', 'expected a space'],
      ['NOTIFY SOMETIMES', 'expected SET or NONE'],
      ['NOTIFY SET', 'expected a space'],
      ['NOTIFY SET (INBOXES (MessageNew))', 'MessageNew and MessageExpunge must be given together'],
      ['NOTIFY SET (PERSONAL (FlagChange MailboxName))', 'FlagChange and AnnotationChange need MessageNew and MessageExpunge'],
      ['NOTIFY SET (SELECTED (MailboxName))', 'only message events apply to SELECTED'],
      ['NOTIFY SET (SELECTED NONE) (SELECTED-DELAYED NONE)', 'SELECTED and SELECTED-DELAYED may be given once'],
      ['NOTIFY SET (EVERYWHERE (MailboxName))', 'unknown mailbox filter EVERYWHERE'],
      ['NOTIFY SET (INBOXES ())', 'empty list'],
    ]) {
      const [reply] = await client.command('b', args!);
      expect(reply).toMatch(new RegExp(`^b BAD ${reason!.replace(/[()]/g, '\\$&')} at octet \\d+$`));
    }
    client.close();
  });

  test('events we do not send are NO [BADEVENT] with the list of those we do (§3.1)', async () => {
    const client = await loggedIn(server);
    const events = '(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)';
    expect(await client.command('b', 'NOTIFY SET (SELECTED (MessageNew MessageExpunge AnnotationChange))')).toEqual([`b NO [BADEVENT ${events}] Not supported: AnnotationChange`]);
    expect(await client.command('b', 'NOTIFY SET (PERSONAL (MailboxMetadataChange)) (INBOXES (ServerMetadataChange))')).toEqual([
      `b NO [BADEVENT ${events}] Not supported: MailboxMetadataChange ServerMetadataChange`,
    ]);
    client.close();
  });

  test('too many notifications at once: OK [NOTIFICATIONOVERFLOW], then none (§5.8)', async () => {
    const client = await loggedIn(server);
    expect(await client.command('n', 'NOTIFY SET (PERSONAL (MailboxName))')).toEqual(['n OK NOTIFY completed']);
    // One CREATE makes 300 mailboxes (RFC 3501 §6.3.3 creates the superiors too).
    await server.store.createMailbox(ANNV, Array.from({ length: 300 }, () => 'n').join('/'));
    expect(await client.readLine()).toMatch(/^\* OK \[NOTIFICATIONOVERFLOW\] /);
    await server.store.createMailbox(ANNV, 'Sau-tran');
    await expectQuiet(client);
    client.close();
  });

  test('a client that stops reading falls behind: what waits is bounded, then OK [NOTIFICATIONOVERFLOW] (§5.8)', async () => {
    const client = await loggedIn(server);
    await client.command('s', 'SELECT Trash');
    expect(await client.command('n', 'NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[]) MessageExpunge)) (PERSONAL (MailboxName))')).toEqual(['n OK NOTIFY completed']);
    client.socket.pause();
    const trash = (await server.store.getMailbox(ANNV, 'Trash'))!;
    // More than the loopback socket buffers hold: the FETCH notifications wait for the client. One
    // APPEND of the four, so the first notification has them all however the store's reads interleave.
    await server.store.appendMessages(trash.id, Array.from({ length: 4 }, (_, i) => ({ raw: message(`Lớn ${i}`, `${'x'.repeat(998)}\r\n`.repeat(2000)) })));
    // 3 × 100 new names while the client is behind: past the 256 notifications a connection may hold.
    // Between them the event loop turns: the new names wait behind the FETCH the client is not reading.
    for (const top of ['a', 'b', 'c']) {
      await new Promise((resolve) => setImmediate(resolve));
      await server.store.createMailbox(ANNV, Array.from({ length: 100 }, () => top).join('/'));
    }
    client.socket.resume();
    const lines = await client.until((line) => line.startsWith('* OK [NOTIFICATIONOVERFLOW]'), 60_000);
    expect(lines.filter((line) => / FETCH \(UID \d+ BODY\[\] \{\d+\}$/.test(line))).toHaveLength(4);
    expect(lines.filter((line) => line.startsWith('* LIST'))).toEqual([]);
    await expectQuiet(client);
    client.close();
  });
});
