import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

/** RFC 6154 §3 CREATE-SPECIAL-USE. */
let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('CREATE … (USE (…)) (RFC 6154 §3)', () => {
  test('creates a mailbox with its special use, which LIST then reports (RFC 6154 §5.3 example)', async () => {
    const client = await loggedIn(server);
    expect((await client.command('c', 'CAPABILITY'))[0]).toContain(' CREATE-SPECIAL-USE ');
    expect(await client.command('t1', 'CREATE "L&AbA-u tr&Hu8-" (USE (\\Archive))')).toEqual(['t1 OK CREATE completed']);
    expect((await server.store.getMailbox(ANNV, 'Lưu trữ'))!.specialUse).toBe('\\Archive');
    expect(await client.command('l', 'LIST "" "L&AbA-u tr&Hu8-"')).toEqual(['* LIST (\\HasNoChildren \\Archive) "/" "L&AbA-u tr&Hu8-"', 'l OK LIST completed']);
    // An empty USE list is a plain CREATE.
    expect(await client.command('t2', 'CREATE Plain (USE ())')).toEqual(['t2 OK CREATE completed']);
    expect((await server.store.getMailbox(ANNV, 'Plain'))!.specialUse).toBeNull();
    client.close();
  });

  test('refuses uses it cannot give with NO [USEATTR] and creates nothing; unknown parameters are BAD', async () => {
    const client = await loggedIn(server);
    expect(await client.command('t1', 'CREATE Everything (USE (\\All))')).toEqual(['t1 NO [USEATTR] \\All cannot be given to a mailbox']);
    expect(await client.command('t2', 'CREATE Both (USE (\\Sent \\Drafts))')).toEqual(['t2 NO [USEATTR] A mailbox has at most one special use here']);
    expect(await client.command('t3', 'CREATE Odd (USE (\\Important))')).toEqual(['t3 NO [USEATTR] \\Important cannot be given to a mailbox']);
    expect(await server.store.getMailbox(ANNV, 'Everything')).toBeNull();
    expect(await server.store.getMailbox(ANNV, 'Both')).toBeNull();
    expect((await client.command('t4', 'CREATE Other (FOO)')).at(-1)).toMatch(/^t4 BAD unknown CREATE parameter FOO/);
    client.close();
  });
});
