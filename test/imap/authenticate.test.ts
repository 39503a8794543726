import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { PASSWORD, RawClient, imapflow, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer();
});
afterAll(async () => {
  await server.close();
});

const plain = (authzid: string, authcid: string, password: string): string => Buffer.from(`${authzid}\0${authcid}\0${password}`, 'utf8').toString('base64');

describe('AUTHENTICATE PLAIN (RFC 3501 §6.2.2, RFC 4616, RFC 4959 SASL-IR)', () => {
  test('with an initial response on the command line', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect((await client.command('a1', `AUTHENTICATE PLAIN ${plain('', 'annv', PASSWORD)}`))[0]).toMatch(/^a1 OK \[CAPABILITY .*\] Logged in$/);
    client.close();
  });

  test('with the response after an empty continuation', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('a1 AUTHENTICATE PLAIN\r\n');
    expect(await client.readLine()).toBe('+ ');
    client.send(`${plain('annv', 'annv', PASSWORD)}\r\n`);
    expect(await client.readLine()).toMatch(/^a1 OK /);
    client.close();
  });

  test('a client may cancel with "*"', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('a1 AUTHENTICATE PLAIN\r\n');
    await client.readLine();
    client.send('*\r\n');
    expect(await client.readLine()).toBe('a1 BAD AUTHENTICATE cancelled');
    expect(await client.command('a2', 'NOOP')).toEqual(['a2 OK NOOP completed']);
    client.close();
  });

  test('a wrong password, bad base64, a malformed response and another mechanism', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('a1', `AUTHENTICATE PLAIN ${plain('', 'annv', 'wrong')}`)).toEqual(['a1 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    expect(await client.command('a2', 'AUTHENTICATE PLAIN not*base64')).toEqual(['a2 BAD SASL response is not base64']);
    expect(await client.command('a3', `AUTHENTICATE PLAIN ${Buffer.from('annv').toString('base64')}`)).toEqual([
      'a3 BAD PLAIN response must be authzid NUL authcid NUL password',
    ]);
    expect(await client.command('a4', 'AUTHENTICATE CRAM-MD5')).toEqual(['a4 NO [CANNOT] Unsupported mechanism CRAM-MD5; use PLAIN']);
    expect(await client.command('a5', 'AUTHENTICATE PLAIN =')).toEqual(['a5 BAD PLAIN response must be authzid NUL authcid NUL password']);
    client.close();
  });

  test('an authorization identity opens that unit mailbox with the person’s rights (unit*person)', async () => {
    await server.server.addUnit('vpubnd', 'Văn phòng UBND thành phố');
    server.server.grant('vpubnd', 'annv@cantho.gov.vn');
    await server.store.ensureAccount(asAccountId('vpubnd@cantho.gov.vn'));
    await server.store.createMailbox(asAccountId('vpubnd@cantho.gov.vn'), 'Công văn đến');
    const client = await RawClient.connect(server.ports.imap);
    expect((await client.command('a1', `AUTHENTICATE PLAIN ${plain('vpubnd', 'annv', PASSWORD)}`))[0]).toMatch(/^a1 OK /);
    expect(await client.command('l', 'LIST "" "C*"')).toEqual(['* LIST (\\HasNoChildren) "/" "C&APQ-ng v&AQM-n &AREevw-n"', 'l OK LIST completed']);
    client.close();
    const outsider = await RawClient.connect(server.ports.imap);
    await server.addUser('ngoai', { unit: 'sotc' });
    expect(await outsider.command('a2', `AUTHENTICATE PLAIN ${plain('vpubnd', 'ngoai', PASSWORD)}`)).toEqual(['a2 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    outsider.close();
  });

  test('imapflow authenticates with AUTH=PLAIN', async () => {
    const flow = imapflow(server);
    await flow.connect();
    expect(flow.authenticated).toBeTruthy();
    await flow.logout();
  });
});
