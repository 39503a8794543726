import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { PASSWORD, RawClient, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({ imap: { allow_plaintext_auth: false } });
});
afterAll(async () => {
  await server.close();
});

describe('STARTTLS, implicit TLS and LOGINDISABLED (RFC 3501 §6.2.1, §6.2.3; RFC 8314)', () => {
  test('before TLS: STARTTLS and LOGINDISABLED, no AUTH=, and LOGIN is refused', async () => {
    const client = await RawClient.connect(server.ports.imap);
    const [capability] = await client.command('c', 'CAPABILITY');
    expect(capability).toBe('* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- SASL-IR ID ENABLE IDLE STARTTLS LOGINDISABLED APPENDLIMIT=26214400');
    expect(await client.command('l', `LOGIN annv "${PASSWORD}"`)).toEqual(['l NO [PRIVACYREQUIRED] Use STARTTLS before logging in']);
    const ir = Buffer.from(`\0annv\0${PASSWORD}`).toString('base64');
    expect(await client.command('a', `AUTHENTICATE PLAIN ${ir}`)).toEqual(['a NO [PRIVACYREQUIRED] Use STARTTLS before logging in']);
    client.close();
  });

  test('STARTTLS then LOGIN', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect(await client.command('t', 'STARTTLS')).toEqual(['t OK Begin TLS negotiation now']);
    await client.startTls();
    const [capability] = await client.command('c', 'CAPABILITY');
    expect(capability).toBe('* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- SASL-IR ID ENABLE IDLE AUTH=PLAIN APPENDLIMIT=26214400');
    expect((await client.command('l', `LOGIN annv "${PASSWORD}"`))[0]).toMatch(/^l OK \[CAPABILITY /);
    expect(await client.command('t2', 'STARTTLS')).toEqual(['t2 BAD STARTTLS is not valid in the authenticated state']);
    client.close();
  });

  test('plaintext pipelined after STARTTLS is thrown away, not run inside TLS', async () => {
    const client = await RawClient.connect(server.ports.imap);
    client.send('t STARTTLS\r\ninjected CREATE Injected\r\n');
    expect(await client.readLine()).toBe('t OK Begin TLS negotiation now');
    await client.startTls();
    await client.command('l', `LOGIN annv "${PASSWORD}"`);
    expect(await client.command('s', 'STATUS Injected (MESSAGES)')).toEqual(['s NO [NONEXISTENT] No such mailbox']);
    client.close();
  });

  test('STARTTLS twice is BAD', async () => {
    const client = await RawClient.connect(server.ports.imaps, true);
    expect(await client.command('t', 'STARTTLS')).toEqual(['t BAD TLS is already active']);
    client.close();
  });

  test('implicit TLS offers AUTH=PLAIN at once', async () => {
    const client = await RawClient.connect(server.ports.imaps, true);
    expect((await client.command('c', 'CAPABILITY'))[0]).toBe('* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- SASL-IR ID ENABLE IDLE AUTH=PLAIN APPENDLIMIT=26214400');
    expect((await client.command('l', `LOGIN annv "${PASSWORD}"`))[0]).toMatch(/^l OK /);
    client.close();
  });

  test('imapflow over STARTTLS and over implicit TLS', async () => {
    for (const [port, secure] of [
      [server.ports.imap, false],
      [server.ports.imaps, true],
    ] as const) {
      const flow = new ImapFlow({ host: '127.0.0.1', port, secure, doSTARTTLS: secure ? undefined : true, tls: { rejectUnauthorized: false }, auth: { user: 'annv', pass: PASSWORD }, logger: false });
      await flow.connect();
      const box = await flow.mailboxOpen('INBOX');
      expect(box.path).toBe('INBOX');
      await flow.logout();
    }
  });

  test('a Python imaplib session: STARTTLS, login, list, select, create a Vietnamese folder, status', async () => {
    const script = path.join(import.meta.dirname, 'clients', 'imaplib_starttls.py');
    // imaplib sends LOGIN arguments as ASCII.
    const account = asAccountId(await server.addUser('python', { password: 'ascii-only-Password-42' }));
    const { stdout } = await promisify(execFile)('python3', [script, String(server.ports.imap), 'python', 'ascii-only-Password-42'], { timeout: 20_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('capabilities APPENDLIMIT=26214400 ENABLE ID IDLE IMAP4REV1 IMAP4REV2 LITERAL+ LITERAL- LOGINDISABLED SASL-IR STARTTLS');
    expect(lines[1]).toBe('tls APPENDLIMIT=26214400 AUTH=PLAIN ENABLE ID IDLE IMAP4REV1 IMAP4REV2 LITERAL+ LITERAL- SASL-IR');
    expect(lines).toContain('login OK');
    expect(lines).toContain('(\\HasNoChildren \\Sent) "/" Sent');
    expect(lines).toContain('select OK 0');
    expect(lines).toContain('create OK');
    expect(lines).toContain('status OK "Th&AbA- &AREevw-n" (MESSAGES 0 UIDNEXT 1)');
    expect(lines.at(-1)).toBe('logout BYE');
    expect(await server.store.getMailbox(account, 'Thư đến')).not.toBeNull();
  });
});
