import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Uid } from '../../src/store/types.js';
import { ANNV, PASSWORD, loggedIn, message, startImapTestServer, type ImapTestServer } from './support.js';

/** RFC 8437 UNAUTHENTICATE. */
let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ imap: { max_connections_per_user: 1 } });
});
afterAll(async () => {
  await server.close();
});

describe('UNAUTHENTICATE (RFC 8437)', () => {
  test('returns to the not-authenticated state: mailbox closed without expunge, extensions off, another login possible', async () => {
    const box = await server.store.createMailbox(ANNV, 'Bỏ');
    const { uid } = await server.store.append(box.id, message(), { flags: ['\\Deleted'] });
    const other = await server.addUser('binhlt');
    const client = await loggedIn(server);
    expect((await client.command('c', 'CAPABILITY'))[0]).toContain(' UNAUTHENTICATE');
    await client.command('e', 'ENABLE CONDSTORE');
    await client.command('s', 'SELECT "B&Hs8-"');
    expect(await client.command('u', 'UNAUTHENTICATE')).toEqual(['u OK UNAUTHENTICATE completed']);
    // RFC 8437 §3: no implicit EXPUNGE, unlike CLOSE.
    expect(await server.store.getMessages(box.id, [uid as Uid])).toHaveLength(1);
    const capability = (await client.command('c2', 'CAPABILITY'))[0]!;
    expect(capability).not.toContain('UNAUTHENTICATE');
    expect(capability).toContain('AUTH=PLAIN');
    expect(await client.command('f', 'FETCH 1 FLAGS')).toEqual(['f BAD FETCH is not valid in the not-authenticated state']);
    expect(await client.command('l', 'LIST "" INBOX')).toEqual(['l BAD LIST is not valid in the not-authenticated state']);
    expect((await client.command('L', `LOGIN ${other} "${PASSWORD}"`)).at(-1)).toMatch(/^L OK/);
    await client.command('s2', 'SELECT INBOX');
    await client.command('u2', 'UNAUTHENTICATE');
    // Back as annv: CONDSTORE is no longer enabled, so FETCH FLAGS carries no MODSEQ.
    expect((await client.command('L2', `LOGIN annv "${PASSWORD}"`)).at(-1)).toMatch(/^L2 OK/);
    await client.command('s3', 'SELECT "B&Hs8-"');
    expect(await client.command('f2', 'FETCH 1 FLAGS')).toEqual(['* 1 FETCH (FLAGS (\\Deleted))', 'f2 OK FETCH completed']);
    await client.command('u3', 'UNAUTHENTICATE');
    // The login no longer counts against imap.max_connections_per_user (1 here).
    const second = await loggedIn(server);
    second.close();
    client.close();
  });

  test('is not valid before login', async () => {
    const client = await loggedIn(server);
    await client.command('u', 'UNAUTHENTICATE');
    expect(await client.command('u2', 'UNAUTHENTICATE')).toEqual(['u2 BAD UNAUTHENTICATE is not valid in the not-authenticated state']);
    client.close();
  });
});
