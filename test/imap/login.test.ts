import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ANNV, CHANGE, PASSWORD, RawClient, imapflow, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({
    imap: { max_connections_per_user: 2 },
    policy: { login_failures_before_delay: 1, login_failures_before_lock: 3, login_lock: '10m' },
  });
});
afterAll(async () => {
  await server.close();
});

describe('LOGIN (RFC 3501 §6.2.3, RFC 5530 codes)', () => {
  test('a correct login answers with the capabilities of the authenticated state', async () => {
    const client = await RawClient.connect(server.ports.imap);
    const [reply] = await client.command('a1', `LOGIN annv "${PASSWORD}"`);
    expect(reply).toMatch(/^a1 OK \[CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL\+ .* NAMESPACE .* APPENDLIMIT=\d+\] Logged in$/);
    expect(reply).not.toMatch(/STARTTLS|LOGINDISABLED|AUTH=/);
    client.close();
  });

  test('the login name is case-insensitive and may be the full address', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect((await client.command('a1', `LOGIN AnNV@CanTho.gov.vn "${PASSWORD}"`))[0]).toMatch(/^a1 OK /);
    client.close();
  });

  test('a wrong password is AUTHENTICATIONFAILED; repeated failures are answered later and later', async () => {
    await server.addUser('saimk');
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', 'LOGIN saimk wrong')).toEqual(['a1 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    const started = Date.now();
    expect(await client.command('a2', 'LOGIN saimk wrong-again')).toEqual(['a2 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await client.command('a3', 'LOGIN nobody wrong')).toEqual(['a3 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    client.close();
  });

  test('an account locked after too many failures is refused even with the right password', async () => {
    await server.addUser('lockvt');
    const client = await RawClient.connect(server.ports.imap);
    // The directory slows each answer down (up to 8 s once locked in production), so wait longer than usual.
    const answer = (tag: string, command: string) => {
      client.send(`${tag} ${command}\r\n`);
      return client.until((l) => l.startsWith(`${tag} `), 15_000);
    };
    for (let i = 0; i < 3; i++) await answer(`f${i}`, 'LOGIN lockvt wrong');
    expect(await answer('a1', `LOGIN lockvt "${PASSWORD}"`)).toEqual(['a1 NO [AUTHENTICATIONFAILED] Too many failed logins; try again later']);
    client.close();
  });

  test('a password that must be changed is EXPIRED with the address of the web page (RFC 5530)', async () => {
    const strict = await startImapTestServer({ policy: { require_password_change: true }, http: { public_url: 'https://mail.cantho.gov.vn/' } });
    const client = await RawClient.connect(strict.ports.imap);
    expect(await client.command('a1', `LOGIN annv "${PASSWORD}"`)).toEqual(['a1 NO [EXPIRED] Your password must be changed first: https://mail.cantho.gov.vn/doi-mat-khau']);
    client.close();
    await strict.close();
  });

  test('a member of a suspended unit is refused with a clear reason', async () => {
    await server.addUser('khoadv', { unit: 'sokhcn' });
    server.directory.admin.suspendUnit('sokhcn@cantho.gov.vn', 'vi phạm nghiêm trọng', CHANGE);
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', `LOGIN khoadv "${PASSWORD}"`)).toEqual([
      'a1 NO [AUTHENTICATIONFAILED] Mail service for your unit is suspended; contact the IT centre',
    ]);
    expect(await client.command('a2', 'SELECT INBOX')).toEqual(['a2 BAD SELECT is not valid in the not-authenticated state']);
    client.close();
  });

  test('a retired person is refused like a wrong password', async () => {
    await server.addUser('huuht');
    server.directory.admin.retirePerson('huuht@cantho.gov.vn', CHANGE);
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', `LOGIN huuht "${PASSWORD}"`)).toEqual(['a1 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    client.close();
  });

  test('empty user or password is BAD', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', 'LOGIN "" ""')).toEqual(['a1 BAD LOGIN needs a user name and a password']);
    expect(await client.command('a2', 'LOGIN annv')).toEqual(['a2 BAD expected a space at octet 13']);
    client.close();
  });

  test('the login is audited with the client ID', async () => {
    const client = await RawClient.connect(server.ports.imap);
    await client.command('i', 'ID ("name" "Thunderbird" "version" "128.0")');
    await client.command('a1', `LOGIN annv "${PASSWORD}"`);
    const row = server.directory.queryAudit({ subject: ANNV }).filter((r) => r.action === 'login.ok').at(-1);
    expect(row?.detail).toMatchObject({ protocol: 'imap', ip: '127.0.0.1', clientId: 'Thunderbird 128.0' });
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

  test('an admin password reset ends the person’s open sessions at once with BYE', async () => {
    await server.addUser('tamnt');
    const client = await loggedIn(server, 'tamnt');
    await client.command('s', 'SELECT INBOX');
    await server.directory.admin.resetPassword('tamnt@cantho.gov.vn', undefined, CHANGE);
    expect(await client.readLine()).toBe('* BYE Your login is no longer valid');
    expect(await client.waitClosed()).toBe(true);
  });

  test('suspending a unit ends its members’ open sessions with BYE', async () => {
    await server.addUser('minhlq', { unit: 'sotnmt' });
    const client = await loggedIn(server, 'minhlq');
    client.send('i IDLE\r\n');
    expect(await client.readLine()).toBe('+ idling');
    server.directory.admin.suspendUnit('sotnmt@cantho.gov.vn', 'vi phạm nghiêm trọng', CHANGE);
    expect(await client.readLine()).toBe('* BYE Your login is no longer valid');
    expect(await client.waitClosed()).toBe(true);
  });

  test('imapflow logs in and out', async () => {
    const flow = imapflow(server);
    await flow.connect();
    expect(flow.authenticated).toBeTruthy();
    await flow.logout();
  });
});
