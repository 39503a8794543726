import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RawClient, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

async function inState(state: 'not-authenticated' | 'authenticated' | 'selected'): Promise<RawClient> {
  if (state === 'not-authenticated') return RawClient.connect(server.ports.imap);
  const client = await loggedIn(server);
  if (state === 'selected') await client.command('s', 'SELECT INBOX');
  return client;
}

describe('the command table by state (RFC 3501 §3, §6)', () => {
  test.each(['not-authenticated', 'authenticated', 'selected'] as const)('an unknown command in the %s state is BAD and harmless', async (state) => {
    const client = await inState(state);
    expect(await client.command('u1', 'FROBNICATE INBOX')).toEqual(['u1 BAD Unknown command FROBNICATE']);
    expect(await client.command('u2', 'UID FROBNICATE 1')).toEqual(['u2 BAD Unknown command UID FROBNICATE']);
    expect(await client.command('u3', 'NOOP')).toEqual(['u3 OK NOOP completed']);
    client.close();
  });

  test.each([
    ['not-authenticated', 'SELECT INBOX', 'SELECT is not valid in the not-authenticated state'],
    ['not-authenticated', 'LIST "" *', 'LIST is not valid in the not-authenticated state'],
    ['not-authenticated', 'CLOSE', 'CLOSE is not valid in the not-authenticated state'],
    ['authenticated', 'LOGIN annv x', 'LOGIN is not valid in the authenticated state'],
    ['authenticated', 'AUTHENTICATE PLAIN', 'AUTHENTICATE is not valid in the authenticated state'],
    ['authenticated', 'STARTTLS', 'STARTTLS is not valid in the authenticated state'],
    ['authenticated', 'CLOSE', 'CLOSE is not valid in the authenticated state'],
    ['authenticated', 'UNSELECT', 'UNSELECT is not valid in the authenticated state'],
    ['authenticated', 'CHECK', 'CHECK is not valid in the authenticated state'],
    ['selected', 'LOGIN annv x', 'LOGIN is not valid in the selected state'],
    ['selected', 'ENABLE CONDSTORE', 'ENABLE is not valid in the selected state'],
  ] as const)('in the %s state, %s is BAD', async (state, command, text) => {
    const client = await inState(state);
    expect(await client.command('w1', command)).toEqual([`w1 BAD ${text}`]);
    expect(await client.command('w2', 'NOOP')).toEqual(['w2 OK NOOP completed']);
    client.close();
  });

  test('CAPABILITY, NOOP and LOGOUT work in every state', async () => {
    for (const state of ['not-authenticated', 'authenticated', 'selected'] as const) {
      const client = await inState(state);
      expect((await client.command('c', 'CAPABILITY'))[1]).toBe('c OK CAPABILITY completed');
      expect(await client.command('n', 'NOOP')).toEqual(['n OK NOOP completed']);
      expect(await client.command('l', 'LOGOUT')).toEqual(['* BYE Logging out', 'l OK LOGOUT completed']);
      expect(await client.waitClosed()).toBe(true);
    }
  });

  test('arguments where none are allowed are BAD', async () => {
    const client = await inState('authenticated');
    expect(await client.command('a', 'NOOP now')).toEqual(['a BAD unexpected text at end of command at octet 6']);
    expect(await client.command('b', 'CAPABILITY ')).toEqual(['b BAD unexpected text at end of command at octet 12']);
    client.close();
  });
});
