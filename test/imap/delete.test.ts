import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('DELETE (RFC 3501 §6.3.4)', () => {
  test('deletes a mailbox and its messages', async () => {
    const box = server.store.createMailbox(ANNV, 'Cũ');
    server.store.append(box.id, message());
    const client = await loggedIn(server);
    expect(await client.command('d', 'DELETE C&AWk-')).toEqual(['d OK DELETE completed']);
    expect(server.store.getMailbox(ANNV, 'Cũ')).toBeNull();
    client.close();
  });

  test('INBOX cannot be deleted; a missing mailbox is NONEXISTENT', async () => {
    const client = await loggedIn(server);
    expect(await client.command('d1', 'DELETE inbox')).toEqual(['d1 NO [CANNOT] INBOX cannot be deleted']);
    expect((await client.command('d2', 'DELETE Nowhere'))[0]).toMatch(/^d2 NO \[NONEXISTENT\] /);
    client.close();
  });

  test('deleting the selected mailbox leaves the selected state', async () => {
    server.store.createMailbox(ANNV, 'Tạm');
    const client = await loggedIn(server);
    await client.command('s', 'SELECT T&HqE-m');
    expect(await client.command('d', 'DELETE T&HqE-m')).toEqual(['d OK DELETE completed']);
    expect(await client.command('c', 'CHECK')).toEqual(['c BAD CHECK is not valid in the authenticated state']);
    client.close();
  });

  test('a mailbox with children is refused (the store keeps no \\Noselect holes), and the children stay', async () => {
    server.store.createMailbox(ANNV, 'Cha/Con');
    const client = await loggedIn(server);
    expect(await client.command('d', 'DELETE Cha')).toEqual(['d NO [CANNOT] mailbox Cha has inferior mailboxes; delete them first']);
    expect(await client.command('l', 'LIST "" "Cha*"')).toEqual(['* LIST (\\HasChildren) "/" Cha', '* LIST (\\HasNoChildren) "/" Cha/Con', 'l OK LIST completed']);
    client.close();
  });
});
