import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId } from '../../src/store/index.js';
import { ANNV, PASSWORD, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
  await server.store.createMailbox(ANNV, 'Thư đến/2026');
  await server.store.createMailbox(ANNV, 'Sent/Cũ');
  const inbox = (await server.store.getMailbox(ANNV, 'INBOX'))!;
  await server.store.append(inbox.id, message('một'), { flags: ['\\Seen'] });
  await server.store.append(inbox.id, message('hai'));
  await server.store.setSubscribed(ANNV, 'Thư đến/2026', true);
  await server.store.setSubscribed(ANNV, 'Gone', true);
});
afterAll(async () => {
  await server.close();
});

describe('LIST (RFC 3501 §6.3.8, RFC 5258, RFC 3348, RFC 6154, RFC 5819)', () => {
  test('"*" lists everything with CHILDREN and SPECIAL-USE attributes, INBOX first', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l', 'LIST "" *')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasNoChildren \\Archive) "/" Archive',
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Junk) "/" Junk',
      '* LIST (\\HasChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren) "/" Sent/C&AWk-',
      '* LIST (\\HasChildren) "/" "Th&AbA- &AREevw-n"',
      '* LIST (\\HasNoChildren) "/" "Th&AbA- &AREevw-n/2026"',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
      'l OK LIST completed',
    ]);
    client.close();
  });

  test('"%" stops at the hierarchy delimiter; a reference is prefixed', async () => {
    const client = await loggedIn(server);
    const top = await client.command('l1', 'LIST "" %');
    expect(top).toHaveLength(8);
    expect(top).not.toContain('* LIST (\\HasNoChildren) "/" Sent/C&AWk-');
    expect(await client.command('l2', 'LIST Sent/ %')).toEqual(['* LIST (\\HasNoChildren) "/" Sent/C&AWk-', 'l2 OK LIST completed']);
    expect(await client.command('l3', 'LIST "" "Th&AbA- &AREevw-n/%"')).toEqual(['* LIST (\\HasNoChildren) "/" "Th&AbA- &AREevw-n/2026"', 'l3 OK LIST completed']);
    expect(await client.command('l4', 'LIST "" inbox')).toEqual(['* LIST (\\HasNoChildren) "/" INBOX', 'l4 OK LIST completed']);
    client.close();
  });

  test('an empty pattern returns the delimiter', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l', 'LIST "" ""')).toEqual(['* LIST (\\Noselect) "/" ""', 'l OK LIST completed']);
    client.close();
  });

  test('SUBSCRIBED selection shows \\Subscribed, and \\NonExistent for a subscription without mailbox', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l', 'LIST (SUBSCRIBED) "" *')).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
      '* LIST (\\HasNoChildren \\Subscribed \\Archive) "/" Archive',
      '* LIST (\\HasNoChildren \\Subscribed \\Drafts) "/" Drafts',
      '* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" Gone',
      '* LIST (\\HasNoChildren \\Subscribed \\Junk) "/" Junk',
      '* LIST (\\HasChildren \\Subscribed \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren \\Subscribed) "/" "Th&AbA- &AREevw-n/2026"',
      '* LIST (\\HasNoChildren \\Subscribed \\Trash) "/" Trash',
      'l OK LIST completed',
    ]);
    expect(await client.command('r', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" (Gone "Th&AbA- &AREevw-n")')).toEqual([
      '* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" Gone',
      '* LIST (\\HasChildren) "/" "Th&AbA- &AREevw-n" (CHILDINFO ("SUBSCRIBED"))',
      'r OK LIST completed',
    ]);
    client.close();
  });

  test('SPECIAL-USE selection, several patterns and RETURN (SUBSCRIBED CHILDREN)', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l1', 'LIST (SPECIAL-USE) "" *')).toHaveLength(6);
    expect(await client.command('l2', 'LIST "" (INBOX Drafts) RETURN (SUBSCRIBED CHILDREN)')).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
      '* LIST (\\HasNoChildren \\Subscribed \\Drafts) "/" Drafts',
      'l2 OK LIST completed',
    ]);
    client.close();
  });

  test('LIST-STATUS returns STATUS after each selectable mailbox', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l', 'LIST "" INBOX RETURN (STATUS (MESSAGES UNSEEN))')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* STATUS INBOX (MESSAGES 2 UNSEEN 1)',
      'l OK LIST completed',
    ]);
    client.close();
  });

  test('a unit folder a delegate may list ("l") but not read ("r") gets no STATUS and is \\Noselect (RFC 5819 §2, RFC 4314)', async () => {
    await server.server.addUnit('sotttt', 'Sở Thông tin và Truyền thông');
    await server.addUser('chilt');
    await server.store.ensureAccount(asAccountId('sotttt@cantho.gov.vn'));
    server.server.grant('sotttt', 'chilt', { rights: 'l' });
    const client = await loggedIn(server, 'chilt');
    expect(await client.command('l', 'LIST "" "Shared/sotttt/INBOX" RETURN (STATUS (MESSAGES UNSEEN))')).toEqual([
      '* LIST (\\Noselect \\HasNoChildren) "/" Shared/sotttt/INBOX',
      'l OK LIST completed',
    ]);
    // Without STATUS the folder is listed as before; STATUS and SELECT of it are refused (RFC 4314 §4: both need "r").
    expect(await client.command('l2', 'LIST "" "Shared/sotttt/INBOX"')).toEqual(['* LIST (\\HasNoChildren) "/" Shared/sotttt/INBOX', 'l2 OK LIST completed']);
    expect((await client.command('s', 'STATUS Shared/sotttt/INBOX (MESSAGES)'))[0]).toMatch(/^s NO /);
    // Its own mailboxes still get their STATUS in the same command.
    expect(await client.command('l3', 'LIST "" ("INBOX" "Shared/sotttt/INBOX") RETURN (STATUS (MESSAGES))')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* STATUS INBOX (MESSAGES 0)',
      '* LIST (\\Noselect \\HasNoChildren) "/" Shared/sotttt/INBOX',
      'l3 OK LIST completed',
    ]);
    client.close();
  });

  test('bad options are BAD', async () => {
    const client = await loggedIn(server);
    expect(await client.command('b1', 'LIST (BOGUS) "" *')).toEqual(['b1 BAD unknown LIST selection option BOGUS at octet 14']);
    expect(await client.command('b2', 'LIST "" * RETURN (BOGUS)')).toEqual(['b2 BAD unknown LIST return option BOGUS at octet 26']);
    expect(await client.command('b3', 'LIST (RECURSIVEMATCH) "" *')).toEqual(['b3 BAD RECURSIVEMATCH needs SUBSCRIBED']);
    expect(await client.command('b4', 'LIST ""')).toEqual(['b4 BAD expected a space at octet 10']);
    client.close();
  });

  test('UTF8=ACCEPT sends names as UTF-8', async () => {
    const client = await loggedIn(server);
    expect(await client.command('e', 'ENABLE UTF8=ACCEPT')).toEqual(['* ENABLED UTF8=ACCEPT', 'e OK ENABLE completed']);
    expect(await client.command('l', 'LIST "" "Thư đến/*"')).toEqual(['* LIST (\\HasNoChildren) "/" "Thư đến/2026"', 'l OK LIST completed']);
    client.close();
  });

  test('a name that is not modified UTF-7 lists nothing and answers OK; SELECT says NO', async () => {
    const client = await loggedIn(server);
    const name = "!#$$&'+,-.0123456789:;<=>?@^_`|[}";
    expect(await client.command('l', `LIST "" "${name}"`)).toEqual(['l OK LIST completed']);
    expect(await client.command('u', `LSUB "" "${name}"`)).toEqual(['u OK LSUB completed']);
    expect(await client.command('s', `SELECT "${name}"`)).toEqual([`s NO [CANNOT] mailbox name has "'" inside a "&…-" shift`]);
    expect(await client.command('e', `EXAMINE ${name}`)).toEqual([`e NO [CANNOT] mailbox name has "'" inside a "&…-" shift`]);
    expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
    client.close();
  });

  test('curl lists the mailboxes over imaps://', async () => {
    const { stdout } = await promisify(execFile)('curl', ['--silent', '--show-error', '--insecure', '--user', `annv:${PASSWORD}`, `imaps://127.0.0.1:${server.ports.imaps}/`], { timeout: 20_000 });
    expect(stdout.split('\r\n')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* LIST (\\HasNoChildren \\Archive) "/" Archive',
      '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
      '* LIST (\\HasNoChildren \\Junk) "/" Junk',
      '* LIST (\\HasChildren \\Sent) "/" Sent',
      '* LIST (\\HasNoChildren) "/" Sent/C&AWk-',
      '* LIST (\\HasChildren) "/" "Th&AbA- &AREevw-n"',
      '* LIST (\\HasNoChildren) "/" "Th&AbA- &AREevw-n/2026"',
      '* LIST (\\HasNoChildren \\Trash) "/" Trash',
      '',
    ]);
  });

  test('imapflow sees the tree and special uses', async () => {
    const flow = imapflow(server);
    await flow.connect();
    const list = await flow.list();
    const byPath = new Map(list.map((m) => [m.path, m]));
    expect(byPath.get('Thư đến/2026')?.parentPath).toBe('Thư đến');
    expect(byPath.get('Sent')?.specialUse).toBe('\\Sent');
    expect(byPath.get('Junk')?.specialUse).toBe('\\Junk');
    const tree = await flow.listTree();
    expect(tree.folders?.map((f) => f.path)).toContain('Thư đến');
    await flow.logout();
  });

  test('SUBSCRIBED RECURSIVEMATCH gives CHILDINFO exactly as RFC 5258 §3.5 example 9', async () => {
    for (const name of ['Foo2/Bar1', 'Foo2/Bar2', 'Baz2/Bar2', 'Baz2/Bar22', 'Baz2/Bar222', 'Eps2/Mamba', 'Qux2/Bar2']) await server.store.createMailbox(ANNV, name);
    for (const name of ['Foo2/Bar1', 'Foo2/Bar2', 'Baz2/Bar2', 'Baz2/Bar22', 'Baz2/Bar222', 'Eps2', 'Eps2/Mamba', 'Qux2/Bar2']) await server.store.setSubscribed(ANNV, name, true);
    const client = await loggedIn(server);
    expect(await client.command('d1', 'LIST (SUBSCRIBED) "" "*2"')).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" Baz2/Bar2',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Baz2/Bar22',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Baz2/Bar222',
      '* LIST (\\HasChildren \\Subscribed) "/" Eps2',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Foo2/Bar2',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Qux2/Bar2',
      'd1 OK LIST completed',
    ]);
    expect(await client.command('d2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "*2"')).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" Baz2/Bar2',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Baz2/Bar22',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Baz2/Bar222',
      '* LIST (\\HasChildren \\Subscribed) "/" Eps2 (CHILDINFO ("SUBSCRIBED"))',
      '* LIST (\\HasChildren) "/" Foo2 (CHILDINFO ("SUBSCRIBED"))',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Foo2/Bar2',
      '* LIST (\\HasNoChildren \\Subscribed) "/" Qux2/Bar2',
      'd2 OK LIST completed',
    ]);
    client.close();
  });
});
