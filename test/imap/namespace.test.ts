import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { imapflow, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('NAMESPACE (RFC 2342)', () => {
  test('personal mailboxes at the root with "/"', async () => {
    const client = await loggedIn(server);
    expect(await client.command('n', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL NIL', 'n OK NAMESPACE completed']);
    client.close();
  });

  test('imapflow reads it', async () => {
    const flow = imapflow(server);
    await flow.connect();
    expect(flow.namespace).toMatchObject({ prefix: '', delimiter: '/' });
    await flow.logout();
  });
});
