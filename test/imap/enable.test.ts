import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('ENABLE (RFC 5161)', () => {
  test('lists only what it newly enabled and ignores unknown extensions', async () => {
    const client = await loggedIn(server);
    expect(await client.command('e1', 'ENABLE CONDSTORE X-UNKNOWN')).toEqual(['* ENABLED CONDSTORE', 'e1 OK ENABLE completed']);
    expect(await client.command('e2', 'ENABLE CONDSTORE utf8=accept')).toEqual(['* ENABLED UTF8=ACCEPT', 'e2 OK ENABLE completed']);
    expect(await client.command('e3', 'ENABLE')).toEqual(['e3 BAD expected a space at octet 9']);
    client.close();
  });

  test('after ENABLE CONDSTORE, SELECT still reports HIGHESTMODSEQ', async () => {
    const client = await loggedIn(server);
    await client.command('e', 'ENABLE CONDSTORE');
    expect((await client.command('s', 'SELECT INBOX')).some((l) => /^\* OK \[HIGHESTMODSEQ \d+\]/.test(l))).toBe(true);
    client.close();
  });
});
