import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('DELETE (RFC 3501 §6.3.4, RFC 9051 §6.3.5)', () => {
  test('deletes a mailbox and its messages', async () => {
    const box = await server.store.createMailbox(ANNV, 'Cũ');
    await server.store.append(box.id, message());
    const client = await loggedIn(server);
    expect(await client.command('d', 'DELETE C&AWk-')).toEqual(['d OK DELETE completed']);
    expect(await server.store.getMailbox(ANNV, 'Cũ')).toBeNull();
    client.close();
  });

  test('INBOX cannot be deleted; a missing mailbox is NONEXISTENT', async () => {
    const client = await loggedIn(server);
    expect(await client.command('d1', 'DELETE inbox')).toEqual(['d1 NO [CANNOT] INBOX cannot be deleted']);
    expect((await client.command('d2', 'DELETE Nowhere'))[0]).toMatch(/^d2 NO \[NONEXISTENT\] /);
    client.close();
  });

  test('deleting the selected mailbox leaves the selected state', async () => {
    await server.store.createMailbox(ANNV, 'Tạm');
    const client = await loggedIn(server);
    await client.command('s', 'SELECT T&HqE-m');
    expect(await client.command('d', 'DELETE T&HqE-m')).toEqual(['d OK DELETE completed']);
    expect(await client.command('c', 'CHECK')).toEqual(['c BAD CHECK is not valid in the authenticated state']);
    client.close();
  });

  test('a mailbox with children loses its messages and becomes \Noselect; its children stay (RFC 3501 §6.3.4)', async () => {
    const parent = await server.store.createMailbox(ANNV, 'Cha');
    await server.store.createMailbox(ANNV, 'Cha/Con');
    await server.store.append(parent.id, message());
    const client = await loggedIn(server);
    expect(await client.command('d', 'DELETE Cha')).toEqual(['d OK DELETE completed']);
    expect(await client.command('l', 'LIST "" "Cha*"')).toEqual([
      '* LIST (\\Noselect \\HasChildren) "/" Cha',
      '* LIST (\\HasNoChildren) "/" Cha/Con',
      'l OK LIST completed',
    ]);
    expect((await client.command('s', 'SELECT Cha'))[0]).toMatch(/^s NO \[NONEXISTENT\] /);
    expect((await client.command('t', 'STATUS Cha (MESSAGES)'))[0]).toMatch(/^t NO \[NONEXISTENT\] /);
    expect((await client.command('a', 'APPEND Cha {1+}\r\nx'))[0]).toMatch(/^a NO \[TRYCREATE\] /);

    // RFC 9051 §6.3.5 example: a \Noselect name with inferiors cannot be deleted.
    expect(await client.command('d2', 'DELETE Cha')).toEqual(['d2 NO [HASCHILDREN] Name "Cha" is \\Noselect and has inferior hierarchical names']);
    // Creating a sibling does not make the \Noselect parent a mailbox again; creating it does, empty.
    expect(await client.command('c1', 'CREATE Cha/Em')).toEqual(['c1 OK CREATE completed']);
    expect((await client.command('l2', 'LIST "" Cha'))[0]).toBe('* LIST (\\Noselect \\HasChildren) "/" Cha');
    expect(await client.command('c2', 'CREATE Cha')).toEqual(['c2 OK CREATE completed']);
    const select = await client.command('s2', 'SELECT Cha');
    expect(select).toContain('* 0 EXISTS');
    expect(select.at(-1)).toBe('s2 OK [READ-WRITE] SELECT completed');
    expect((await client.command('l3', 'LIST "" Cha'))[0]).toBe('* LIST (\\HasChildren) "/" Cha');
    client.close();
  });

  test('a \Noselect name disappears with its last inferior, and RENAME onto it is ALREADYEXISTS', async () => {
    await server.store.createMailbox(ANNV, 'Rỗng/Một');
    await server.store.createMailbox(ANNV, 'Rỗng/Hai');
    await server.store.createMailbox(ANNV, 'Khác');
    const client = await loggedIn(server);
    expect(await client.command('d', 'DELETE R&Htc-ng')).toEqual(['d OK DELETE completed']);
    expect((await client.command('r', 'RENAME Kh&AOE-c R&Htc-ng'))[0]).toMatch(/^r NO \[ALREADYEXISTS\] /);
    expect(await client.command('d1', 'DELETE R&Htc-ng/M&Htk-t')).toEqual(['d1 OK DELETE completed']);
    expect((await client.command('l1', 'LIST "" "R&Htc-ng"'))[0]).toBe('* LIST (\\Noselect \\HasChildren) "/" R&Htc-ng');
    expect(await client.command('d2', 'DELETE R&Htc-ng/Hai')).toEqual(['d2 OK DELETE completed']);
    expect(await client.command('l2', 'LIST "" "R&Htc-ng*"')).toEqual(['l2 OK LIST completed']);
    expect((await client.command('d3', 'DELETE R&Htc-ng'))[0]).toMatch(/^d3 NO \[NONEXISTENT\] /);
    client.close();
  });

  test('imapflow: deleting a parent leaves it \Noselect in the tree until its child goes', async () => {
    const client = imapflow(server);
    await client.connect();
    await client.mailboxCreate(['Dự án', 'Cầu Cần Thơ']);
    await client.mailboxDelete('Dự án');
    const tree = await client.list();
    expect(tree.find((box) => box.path === 'Dự án')?.flags).toEqual(new Set(['\\Noselect', '\\HasChildren']));
    expect(tree.some((box) => box.path === 'Dự án/Cầu Cần Thơ')).toBe(true);
    await expect(client.mailboxOpen('Dự án')).rejects.toThrow();
    await expect(client.mailboxDelete('Dự án')).rejects.toThrow();
    await client.mailboxDelete('Dự án/Cầu Cần Thơ');
    expect((await client.list()).some((box) => box.path.startsWith('Dự án'))).toBe(false);
    await client.logout();
  });
});
