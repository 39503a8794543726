/**
 * Security review, password storage and logs (Standards: "argon2id passwords"; STYLE.md "never
 * log passwords"). The server runs with the production logger (src/logger.ts) at `trace`, its
 * output captured; officials log in with IMAP (LOGIN, AUTHENTICATE PLAIN), SMTP (AUTH PLAIN,
 * AUTH LOGIN), Python's imaplib and smtplib, and the web page with curl, rightly and wrongly,
 * and change a password on the web. Then:
 * - no password, and no base64 form of one, is anywhere in the log;
 * - the database holds argon2id hashes only (PHC strings, RFC 9106 parameters), and no
 *   password in any form anywhere in its file or WAL.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { RawClient } from '../imap/support.js';
import { python } from '../smtp/clients.js';
import { RawSmtp } from '../smtp/raw-client.js';
import { curl, postPasswordChange, signIn } from '../web/support.js';
import { saslPlain } from './support.js';

// Distinctive, so that a match in the log can only be the password itself. ASCII: imaplib and
// smtplib send ASCII passwords; the Vietnamese one goes through the raw clients and the web.
const PASSWORDS = {
  annv: 'Zq7-annv-SECRET-ascii-4401',
  binhtt: 'Mật-khẩu-Bình-BÍ-MẬT-7702',
  wrong: 'Wr0ng-GUESS-never-right-9903',
  changed: 'Zq7-lotus-NEW-SECRET-5504',
} as const;

const log: string[] = [];
let t: TestServer;
let dataDir: string;
let ports: Record<string, number>;

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString('utf8'));
      done();
    },
  });
  // The production logger (with its redaction), writing here instead of stdout.
  t = await startTestServer({ config: { server: { log_level: 'trace' } }, logDestination: destination, smtp: { queueWorker: false } });
  dataDir = t.dataDir;
  await t.addUnit('vpubnd', 'Văn phòng UBND thành phố');
  await t.addUser('Nguyễn Văn An', { unit: 'vpubnd', address: 'annv', password: PASSWORDS.annv });
  await t.addUser('Trần Thị Bình', { unit: 'vpubnd', address: 'binhtt', password: PASSWORDS.binhtt });
  ports = Object.fromEntries(t.server.listeners.map((l) => [l.name, l.port]));
});
afterAll(() => t?.close());

/** Every form in which a password could leak: as is, URL-encoded, and inside SASL base64. */
function leakForms(password: string): string[] {
  const forms = new Set([password, encodeURIComponent(password), Buffer.from(password).toString('base64')]);
  for (const login of ['annv', 'binhtt', 'annv@cantho.gov.vn']) forms.add(saslPlain(login, password));
  // A JSON-escaped copy of the non-ASCII one, as pino would write it.
  forms.add(JSON.stringify(password).slice(1, -1));
  return [...forms];
}


async function imapLogins(): Promise<void> {
  for (const [password, ok] of [
    [PASSWORDS.wrong, false],
    [PASSWORDS.binhtt, true],
  ] as const) {
    const client = await RawClient.connect(ports['imap']!);
    const login = await client.command('l', `LOGIN binhtt {${Buffer.byteLength(password)}+}\r\n${password}`);
    expect(login.at(-1)).toMatch(ok ? /^l OK / : /^l NO \[AUTHENTICATIONFAILED\]/);
    client.close();
  }
  const client = await RawClient.connect(ports['imaps']!, true);
  client.send('a AUTHENTICATE PLAIN\r\n');
  expect(await client.readLine()).toBe('+ ');
  client.send(`${saslPlain('binhtt', PASSWORDS.binhtt)}\r\n`);
  expect((await client.until((line) => line.startsWith('a '))).at(-1)).toMatch(/^a OK /);
  client.close();
}

async function smtpLogins(): Promise<void> {
  for (const [password, reply] of [
    [PASSWORDS.wrong, '535 5.7.8 Authentication credentials invalid'],
    [PASSWORDS.binhtt, '235 2.7.0 Authentication successful'],
  ] as const) {
    const client = await RawSmtp.connect(ports['smtp-submissions']!, { tls: true });
    await client.hello();
    expect(await client.command(`AUTH PLAIN ${saslPlain('binhtt', password)}`)).toBe(reply);
    await client.quit();
  }
  const client = await RawSmtp.connect(ports['smtp-submissions']!, { tls: true });
  await client.hello();
  expect(await client.command('AUTH LOGIN')).toBe('334 VXNlcm5hbWU6');
  expect(await client.command(Buffer.from('binhtt').toString('base64'))).toBe('334 UGFzc3dvcmQ6');
  expect(await client.command(Buffer.from(PASSWORDS.binhtt).toString('base64'))).toBe('235 2.7.0 Authentication successful');
  await client.quit();
}

async function pythonLogins(): Promise<void> {
  const result = await python(`
import imaplib, smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL('127.0.0.1', ${ports['imaps']}, ssl_context=ctx)
print('imap', m.login('annv', '${PASSWORDS.annv}')[0])
m.logout()
s = smtplib.SMTP('127.0.0.1', ${ports['smtp-submission']})
s.starttls(context=ctx)
s.ehlo()
try:
    s.login('annv', '${PASSWORDS.wrong}')
except smtplib.SMTPAuthenticationError as e:
    print('smtp wrong', e.smtp_code)
print('smtp', s.login('annv', '${PASSWORDS.annv}')[0])
s.quit()
`);
  expect(result.output.trim().split('\n')).toEqual(['imap OK', 'smtp wrong 535', 'smtp 235']);
}

async function webLogins(): Promise<void> {
  const url = `http://127.0.0.1:${ports['web']}`;
  expect((await signIn(url, 'annv', PASSWORDS.wrong)).response.status).toBe(403);
  const { response, cookie } = await signIn(url, 'annv', PASSWORDS.annv);
  expect(response.status).toBe(303);
  const page = await curl(`${url}/doi-mat-khau`, ['--cookie', cookie!]);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  expect(token).toBeDefined();
  const change = await postPasswordChange(url, cookie!, token!, PASSWORDS.annv, PASSWORDS.changed);
  expect(change.status).toBe(303);
}

describe('passwords are stored as argon2id and never logged', () => {
  test('logins over IMAP, SMTP, Python clients and the web leave no password in the trace log', async () => {
    await imapLogins();
    await smtpLogins();
    await pythonLogins();
    await webLogins();
    const text = log.join('');
    // The log is really at trace: commands and logins are in it.
    expect(text).toMatch(/"msg":"login"/);
    expect(text).toMatch(/"msg":"C:"/);
    for (const password of Object.values(PASSWORDS)) {
      for (const form of leakForms(password)) expect({ form, found: text.includes(form) }).toEqual({ form, found: false });
    }
  });

  test('the directory holds argon2id hashes only, and no password in any form is in the database files', async () => {
    const db = new Database(path.join(dataDir, 'mail.db'), { readonly: true });
    const rows = db.prepare('SELECT password_hash AS hash, previous_password_hash AS previous FROM persons').all() as Array<{ hash: string; previous: string | null }>;
    db.close();
    expect(rows).toHaveLength(2);
    // RFC 9106 / PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash
    const PHC = /^\$argon2id\$v=19\$(?:[mtp]=\d+,){2}[mtp]=\d+\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/;
    for (const row of rows) {
      expect(row.hash).toMatch(PHC);
      if (row.previous !== null) expect(row.previous).toMatch(PHC);
    }
    // annv changed the password on the web: the old hash is kept (no reuse), as a hash.
    expect(rows.filter((r) => r.previous !== null)).toHaveLength(1);
    for (const file of ['mail.db', 'mail.db-wal']) {
      const full = path.join(dataDir, file);
      if (!existsSync(full)) continue;
      const bytes = readFileSync(full);
      for (const password of Object.values(PASSWORDS)) {
        for (const form of leakForms(password)) {
          expect({ file, form, found: bytes.includes(Buffer.from(form)) }).toEqual({ file, form, found: false });
        }
      }
    }
  });
});
