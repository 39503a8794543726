import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, imapflow, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
  await server.store.createMailbox(ANNV, 'Dự án/Cầu Cần Thơ');
});
afterAll(async () => {
  await server.close();
});

describe('SUBSCRIBE, UNSUBSCRIBE (RFC 3501 §6.3.6-7) and LSUB (§6.3.9)', () => {
  test('subscriptions persist and LSUB lists them', async () => {
    const client = await loggedIn(server);
    expect(await client.command('s', 'SUBSCRIBE "D&HvE- &AOE-n/C&Hqc-u C&Hqc-n Th&AaE-"')).toEqual(['s OK SUBSCRIBE completed']);
    expect(await server.store.listSubscriptions(ANNV)).toContain('Dự án/Cầu Cần Thơ');
    expect(await client.command('l', 'LSUB "" "D*"')).toEqual(['* LSUB () "/" Drafts', '* LSUB () "/" "D&HvE- &AOE-n/C&Hqc-u C&Hqc-n Th&AaE-"', 'l OK LSUB completed']);
    client.close();
  });

  test('with "%", an unsubscribed parent of a subscribed mailbox is \\Noselect', async () => {
    const client = await loggedIn(server);
    expect(await client.command('l', 'LSUB "" "D%"')).toEqual(['* LSUB () "/" Drafts', '* LSUB (\\Noselect) "/" "D&HvE- &AOE-n"', 'l OK LSUB completed']);
    client.close();
  });

  test('UNSUBSCRIBE removes it; a name without mailbox may be subscribed', async () => {
    const client = await loggedIn(server);
    expect(await client.command('u', 'UNSUBSCRIBE "D&HvE- &AOE-n/C&Hqc-u C&Hqc-n Th&AaE-"')).toEqual(['u OK UNSUBSCRIBE completed']);
    expect(await client.command('s', 'SUBSCRIBE Later')).toEqual(['s OK SUBSCRIBE completed']);
    expect(await client.command('l', 'LSUB "" "*"')).toContain('* LSUB () "/" Later');
    expect(await client.command('l2', 'LSUB "" "D*"')).toEqual(['* LSUB () "/" Drafts', 'l2 OK LSUB completed']);
    client.close();
  });

  test('imapflow subscribes and sees it in LIST', async () => {
    const flow = imapflow(server);
    await flow.connect();
    await flow.mailboxSubscribe('Dự án');
    const entry = (await flow.list()).find((m) => m.path === 'Dự án');
    expect(entry?.subscribed).toBe(true);
    await flow.logout();
  });
});
