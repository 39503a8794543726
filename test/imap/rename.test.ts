import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('RENAME (RFC 3501 §6.3.5)', () => {
  test('children move with their parent; UIDVALIDITY is kept', async () => {
    const parent = await server.store.createMailbox(ANNV, 'Dự án');
    await server.store.createMailbox(ANNV, 'Dự án/2026');
    const client = await loggedIn(server);
    expect(await client.command('r', 'RENAME "D&HvE- &AOE-n" "Vi&Hsc-c c&AWk-"')).toEqual(['r OK RENAME completed']);
    expect(await server.store.getMailbox(ANNV, 'Dự án')).toBeNull();
    expect((await server.store.getMailbox(ANNV, 'Việc cũ'))?.uidValidity).toBe(parent.uidValidity);
    expect(await server.store.getMailbox(ANNV, 'Việc cũ/2026')).not.toBeNull();
    client.close();
  });

  test('renaming INBOX moves its messages to the new mailbox and leaves INBOX empty', async () => {
    const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
    await server.store.append(inbox.id, message('một'));
    await server.store.append(inbox.id, message('hai'));
    const client = await loggedIn(server);
    expect(await client.command('r', 'RENAME inbox "Old Inbox"')).toEqual(['r OK RENAME completed']);
    expect(await client.command('s1', 'STATUS "Old Inbox" (MESSAGES)')).toEqual(['* STATUS "Old Inbox" (MESSAGES 2)', 's1 OK STATUS completed']);
    expect(await client.command('s2', 'STATUS INBOX (MESSAGES)')).toEqual(['* STATUS INBOX (MESSAGES 0)', 's2 OK STATUS completed']);
    client.close();
  });

  test('a \\Noselect name moves with its inferiors and stays \\Noselect at its new place (RFC 9051 §6.3.6, as Dovecot)', async () => {
    await server.store.createMailbox(ANNV, 'Lưu trữ');
    await server.store.createMailbox(ANNV, 'Lưu trữ/2025/Quý 4');
    const client = await loggedIn(server);
    expect(await client.command('d', 'DELETE "L&AbA-u tr&Hu8-"')).toEqual(['d OK DELETE completed']);
    expect(await client.command('r', 'RENAME "L&AbA-u tr&Hu8-" "Kho/C&AWk-"')).toEqual(['r OK RENAME completed']);
    expect(await client.command('l', 'LIST "" "Kho*"')).toEqual([
      '* LIST (\\HasChildren) "/" Kho',
      '* LIST (\\Noselect \\HasChildren) "/" Kho/C&AWk-',
      '* LIST (\\HasChildren) "/" Kho/C&AWk-/2025',
      '* LIST (\\HasNoChildren) "/" "Kho/C&AWk-/2025/Qu&AP0- 4"',
      'l OK LIST completed',
    ]);
    expect(await client.command('l2', 'LIST "" "L&AbA-u*"')).toEqual(['l2 OK LIST completed']);
    // Onto a taken name it is ALREADYEXISTS, as for a mailbox (RFC 3501 §6.3.5).
    expect((await client.command('r2', 'RENAME "Kho/C&AWk-" Sent'))[0]).toMatch(/^r2 NO \[ALREADYEXISTS\] /);
    client.close();
  });

  test('refuses a missing source, a taken target and INBOX as target', async () => {
    const client = await loggedIn(server);
    expect((await client.command('r1', 'RENAME Nowhere Somewhere'))[0]).toMatch(/^r1 NO \[NONEXISTENT\] /);
    expect((await client.command('r2', 'RENAME Sent Drafts'))[0]).toMatch(/^r2 NO \[ALREADYEXISTS\] /);
    expect(await client.command('r3', 'RENAME Sent INBOX')).toEqual(['r3 NO [CANNOT] Cannot rename to INBOX']);
    expect((await client.command('r4', 'RENAME Sent Sent/Sub'))[0]).toMatch(/^r4 NO \[CANNOT\] /);
    client.close();
  });
});
