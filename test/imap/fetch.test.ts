import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../helpers/server.js';
import { asAccountId } from '../../src/store/types.js';
import { RawClient } from './support.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  user = await server.addUser('Nguyễn Văn An');
});
afterAll(async () => {
  await server?.close();
});

describe('FETCH', () => {
  it('smoke', async () => {
    const store = server.server.context.store;
    const account = asAccountId(user.address);
    await store.deliver([{ account, folder: 'INBOX' }], Buffer.from('From: a@b.c\r\nSubject: hi\r\n\r\nbody\r\n'));
    const client = await RawClient.connect(server.ports.imap);
    console.log(await client.command('L', `LOGIN ${user.address} "${user.password}"`));
    console.log(await client.command('S', 'SELECT INBOX'));
    console.log(await client.command('F', 'FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE BODY[] INTERNALDATE)'));
    console.log(await client.command('F2', 'UID SEARCH TEXT "hi"'));
    client.close();
  });
});
