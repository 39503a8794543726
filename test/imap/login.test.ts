import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { ANNV, PASSWORD, RawClient, imapflow, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ imap: { max_connections_per_user: 2 }, http: { listen: '127.0.0.1:8080' } });
  server.directory.addUser('hetmk', 'expired');
  server.directory.addUser('khoadv', 'suspended');
  server.directory.addUser('lockvt', 'locked');
  server.directory.addUser('huuht', 'retired');
});
afterAll(async () => {
  await server.close();
});

describe('LOGIN (RFC 3501 §6.2.3, RFC 5530 codes)', () => {
  test('a correct login answers with the capabilities of the authenticated state', async () => {
    const client = await RawClient.connect(server.ports.imap);
    const [reply] = await client.command('a1', `LOGIN annv "${PASSWORD}"`);
    expect(reply).toMatch(/^a1 OK \[CAPABILITY IMAP4rev1 LITERAL\+ .* NAMESPACE .* APPENDLIMIT=\d+\] Logged in$/);
    expect(reply).not.toMatch(/STARTTLS|LOGINDISABLED|AUTH=/);
    client.close();
  });

  test('the login name is case-insensitive and may be the full address', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect((await client.command('a1', `LOGIN AnNV@CanTho.gov.vn "${PASSWORD}"`))[0]).toMatch(/^a1 OK /);
    client.close();
  });

  test('a wrong password is AUTHENTICATIONFAILED, answered only after the delay the directory asks for', async () => {
    server.directory.failureDelayMs = 300;
    const client = await RawClient.connect(server.ports.imap);
    const started = Date.now();
    expect(await client.command('a1', 'LOGIN annv wrong')).toEqual(['a1 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    server.directory.failureDelayMs = 0;
    expect(await client.command('a2', 'LOGIN nobody wrong')).toEqual(['a2 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    client.close();
  });

  test('a password that must be changed is EXPIRED with the address of the web page', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', `LOGIN hetmk "${PASSWORD}"`)).toEqual([
      'a1 NO [EXPIRED] Your password must be changed first: http://127.0.0.1:8080/',
    ]);
    client.close();
  });

  test.each([
    ['khoadv', 'a1 NO [AUTHENTICATIONFAILED] Mail service for your unit is suspended; contact the IT centre'],
    ['lockvt', 'a1 NO [AUTHENTICATIONFAILED] Too many failed logins; try again later'],
    ['huuht', 'a1 NO [AUTHENTICATIONFAILED] Invalid credentials'],
  ])('%s is refused', async (user, reply) => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', `LOGIN ${user} "${PASSWORD}"`)).toEqual([reply]);
    // Still not authenticated.
    expect(await client.command('a2', 'SELECT INBOX')).toEqual(['a2 BAD SELECT is not valid in the not-authenticated state']);
    client.close();
  });

  test('empty user or password is BAD', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', 'LOGIN "" ""')).toEqual(['a1 BAD LOGIN needs a user name and a password']);
    expect(await client.command('a2', 'LOGIN annv')).toEqual(['a2 BAD expected a space at octet 13']);
    client.close();
  });

  test('the client ID is passed to the directory for its audit log', async () => {
    const client = await RawClient.connect(server.ports.imap);
    await client.command('i', 'ID ("name" "Thunderbird" "version" "128.0")');
    await client.command('a1', `LOGIN annv "${PASSWORD}"`);
    expect(server.directory.logins.at(-1)?.context).toEqual({ protocol: 'imap', ip: '127.0.0.1', clientId: 'Thunderbird 128.0' });
    client.close();
  });

  test('refuses a login over the per-user connection limit with [LIMIT], and counts a closed one out', async () => {
    const first = await loggedIn(server);
    const second = await loggedIn(server);
    const third = await RawClient.connect(server.ports.imap);
    expect(await third.command('a1', `LOGIN annv "${PASSWORD}"`)).toEqual(['a1 NO [LIMIT] Too many connections for this user (at most 2)']);
    await first.command('l', 'LOGOUT');
    await first.waitClosed();
    expect((await third.command('a2', `LOGIN annv "${PASSWORD}"`))[0]).toMatch(/^a2 OK /);
    second.close();
    third.close();
  });

  test('a session whose login the directory withdraws ends with BYE at once', async () => {
    const account = server.directory.addUser('tamnt');
    const client = await loggedIn(server, 'tamnt');
    await client.command('s', 'SELECT INBOX');
    server.directory.withdraw(asAccountId(account));
    expect(await client.readLine()).toBe('* BYE Your login is no longer valid');
    expect(await client.waitClosed()).toBe(true);
  });

  test('imapflow logs in and out', async () => {
    const flow = imapflow(server);
    await flow.connect();
    expect(flow.authenticated).toBeTruthy();
    await flow.logout();
    expect(server.store.getMailbox(ANNV, 'INBOX')).not.toBeNull();
  });
});
