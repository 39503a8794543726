import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, imapflow, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ quota: { default: '1MB' } });
  await server.store.append((await server.store.getMailbox(ANNV, 'INBOX'))!.id, message('x', 'y'.repeat(3000)));
});
afterAll(async () => {
  await server.close();
});

describe('GETQUOTA and GETQUOTAROOT (RFC 9208)', () => {
  test('one root per account, STORAGE in KiB', async () => {
    const used = Math.ceil(await server.store.accountUsage(ANNV) / 1024);
    const client = await loggedIn(server);
    expect(await client.command('q1', 'GETQUOTAROOT INBOX')).toEqual(['* QUOTAROOT INBOX ""', `* QUOTA "" (STORAGE ${used} 1024)`, 'q1 OK GETQUOTAROOT completed']);
    expect(await client.command('q2', 'GETQUOTA ""')).toEqual([`* QUOTA "" (STORAGE ${used} 1024)`, 'q2 OK GETQUOTA completed']);
    expect(await client.command('q3', 'GETQUOTA "other"')).toEqual(['q3 NO [NONEXISTENT] No such quota root']);
    expect(await client.command('q4', 'GETQUOTAROOT Nowhere')).toEqual(['q4 NO [NONEXISTENT] No such mailbox']);
    client.close();
  });

  test('imapflow reads the quota', async () => {
    const flow = imapflow(server);
    await flow.connect();
    const quota = await flow.getQuota('INBOX');
    expect(quota && quota.storage?.limit).toBe(1024 * 1024);
    await flow.logout();
  });

  test('without a quota, no root and no quota', async () => {
    const open = await startImapTestServer({ quota: { default: '0' } });
    const client = await loggedIn(open);
    expect(await client.command('q1', 'GETQUOTAROOT INBOX')).toEqual(['* QUOTAROOT INBOX', 'q1 OK GETQUOTAROOT completed']);
    expect(await client.command('q2', 'GETQUOTA ""')).toEqual(['q2 NO [NONEXISTENT] No such quota root']);
    client.close();
    await open.close();
  });
});
