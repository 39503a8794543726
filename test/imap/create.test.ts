import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, imapflow, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('CREATE (RFC 3501 §6.3.3)', () => {
  test('creates a mailbox with a modified UTF-7 name, and its missing parents', async () => {
    const client = await loggedIn(server);
    expect(await client.command('c', 'CREATE "Ph&API-ng ban/Th&AbA- &AREevw-n"')).toEqual(['c OK CREATE completed']);
    expect(await server.store.getMailbox(ANNV, 'Phòng ban/Thư đến')).not.toBeNull();
    expect(await server.store.getMailbox(ANNV, 'Phòng ban')).not.toBeNull();
    client.close();
  });

  test('a trailing delimiter is dropped', async () => {
    const client = await loggedIn(server);
    expect(await client.command('c', 'CREATE Projects/')).toEqual(['c OK CREATE completed']);
    expect(await server.store.getMailbox(ANNV, 'Projects')).not.toBeNull();
    client.close();
  });

  test('an existing name, INBOX in any case, is ALREADYEXISTS', async () => {
    const client = await loggedIn(server);
    expect(await client.command('c1', 'CREATE Sent')).toEqual(['c1 NO [ALREADYEXISTS] mailbox Sent already exists']);
    expect(await client.command('c2', 'CREATE inbox')).toEqual(['c2 NO [ALREADYEXISTS] INBOX always exists']);
    client.close();
  });

  test('names that are not valid modified UTF-7 get NO: they are well-formed astrings (RFC 3501 §7.1.3)', async () => {
    const client = await loggedIn(server);
    expect(await client.command('c1', 'CREATE "Th&AbA"')).toEqual(['c1 NO [CANNOT] mailbox name has "&" without closing "-"']);
    expect(await client.command('c2', 'CREATE ""')).toEqual(['c2 NO [CANNOT] Mailbox name is empty']);
    client.close();
  });

  test('a name with "&" round-trips through imapflow', async () => {
    const flow = imapflow(server);
    await flow.connect();
    await flow.mailboxCreate('Tom & Jerry');
    expect(await server.store.getMailbox(ANNV, 'Tom & Jerry')).not.toBeNull();
    const names = (await flow.list()).map((m) => m.path);
    expect(names).toContain('Tom & Jerry');
    await flow.logout();
  });
});
