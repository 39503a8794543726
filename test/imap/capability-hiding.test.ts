/**
 * `[imap] hide_capabilities`: per account and per RFC 2971 client ID, named capabilities are not
 * announced (greeting, CAPABILITY, LOGIN's response code), and ENABLE treats them as unknown.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, configFromObject } from '../../src/config/index.js';
import { RawClient, PASSWORD, loggedIn, startImapTestServer, type ImapTestServer } from './support.js';

let server: ImapTestServer;
beforeAll(async () => {
  server = await startImapTestServer({
    imap: {
      hide_capabilities: [
        { capabilities: ['compress=deflate', 'IDLE'], client: 'BrokenMail 2' },
        { capabilities: ['QRESYNC', 'APPENDLIMIT'], accounts: ['baotd'] },
        { capabilities: ['UTF8=ACCEPT'], accounts: ['chilt@cantho.gov.vn'], client: 'Outlook' },
      ],
    },
  });
  await server.addUser('baotd');
  await server.addUser('chilt');
});
afterAll(async () => {
  await server.close();
});

async function capabilities(client: RawClient): Promise<string[]> {
  const [line] = await client.command('c', 'CAPABILITY');
  return line!.replace(/^\* CAPABILITY /, '').split(' ');
}

describe('hiding capabilities by client ID (RFC 2971)', () => {
  test('a client whose ID matches no longer sees them, before and after login; others still do', async () => {
    const broken = await RawClient.connect(server.ports.imap);
    expect(await capabilities(broken)).toContain('IDLE');
    expect(await broken.command('i', 'ID ("name" "brokenmail" "version" "2.4")')).toEqual(['* ID ("name" "cantho-mail" "vendor" "cantho.gov.vn")', 'i OK ID completed']);
    const before = await capabilities(broken);
    expect(before).not.toContain('IDLE');
    expect(before).toContain('IMAP4rev1');
    const login = await broken.command('l', `LOGIN annv "${PASSWORD}"`);
    expect(login.at(-1)).toMatch(/^l OK \[CAPABILITY IMAP4rev1 /);
    expect(login.at(-1)).not.toMatch(/COMPRESS=DEFLATE| IDLE /);
    const after = await capabilities(broken);
    expect(after).not.toContain('COMPRESS=DEFLATE');
    expect(after).not.toContain('IDLE');
    expect(after).toContain('QRESYNC');
    broken.close();

    const other = await loggedIn(server);
    await other.command('i', 'ID ("name" "BrokenMail" "version" "1.0")');
    expect(await capabilities(other)).toContain('COMPRESS=DEFLATE');
    other.close();
  });
});

describe('hiding capabilities by account', () => {
  test('the bare tên_sd names the account; a numeric capability is hidden by its name', async () => {
    const bao = await loggedIn(server, 'baotd');
    const list = await capabilities(bao);
    expect(list).not.toContain('QRESYNC');
    expect(list.some((c) => c.startsWith('APPENDLIMIT'))).toBe(false);
    expect(list).toContain('CONDSTORE');
    // RFC 5161 §3.1: an extension the server does not announce is ignored by ENABLE.
    expect(await bao.command('e', 'ENABLE QRESYNC CONDSTORE')).toEqual(['* ENABLED CONDSTORE', 'e OK ENABLE completed']);
    bao.close();

    const annv = await loggedIn(server);
    expect(await capabilities(annv)).toContain('QRESYNC');
    expect(await annv.command('e', 'ENABLE QRESYNC')).toEqual(['* ENABLED QRESYNC', 'e OK ENABLE completed']);
    annv.close();
  });

  test('before login an account rule does not apply (no account is known yet)', async () => {
    const client = await RawClient.connect(server.ports.imap);
    expect((await capabilities(client)).some((c) => c.startsWith('APPENDLIMIT='))).toBe(true);
    client.close();
  });

  test('a rule with both conditions needs both', async () => {
    const chiPlain = await loggedIn(server, 'chilt');
    expect(await capabilities(chiPlain)).toContain('UTF8=ACCEPT');
    await chiPlain.command('i', 'ID ("name" "Microsoft Outlook" "version" "16.0")');
    expect(await capabilities(chiPlain)).not.toContain('UTF8=ACCEPT');
    expect(await chiPlain.command('e', 'ENABLE UTF8=ACCEPT')).toEqual(['* ENABLED', 'e OK ENABLE completed']);
    chiPlain.close();

    const annv = await loggedIn(server);
    await annv.command('i', 'ID ("name" "Microsoft Outlook" "version" "16.0")');
    expect(await capabilities(annv)).toContain('UTF8=ACCEPT');
    annv.close();
  });
});

describe('[imap] hide_capabilities validation', () => {
  test('IMAP4rev1 cannot be hidden, and a rule names at least one capability', () => {
    expect(() => configFromObject({ imap: { hide_capabilities: [{ capabilities: ['imap4rev1'] }] } })).toThrow(ConfigError);
    expect(() => configFromObject({ imap: { hide_capabilities: [{ capabilities: [] }] } })).toThrow(ConfigError);
    expect(() => configFromObject({ imap: { hide_capabilities: [{ capabilities: ['IDLE'], user: 'x' }] } })).toThrow(ConfigError);
  });
});
