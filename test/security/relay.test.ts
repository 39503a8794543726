/**
 * Security review, relay and sender policy (Standards: "no open relay"; DESIGN.md "Protocols":
 * never relay for strangers, never let one official send as another). Raw sockets and Python's smtplib against
 * the whole server (test/smtp/harness.ts: annv may send as the unit vpubnd, binhtt may not).
 * test/smtp covers the basic battery; these are the address tricks beyond it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { python } from '../smtp/clients.js';
import { ANNV, BINHTT, PASSWORD, startHarness, type Harness } from '../smtp/harness.js';
import { RawSmtp } from '../smtp/raw-client.js';
import { saslPlain } from './support.js';

let h: Harness;
beforeAll(async () => {
  // No queue worker: whatever reaches the queue stays there for the assertions.
  h = await startHarness({ smtp: { queueWorker: false } });
});
afterAll(() => h.close());

const RELAY_DENIED = '550 5.7.1 Relaying denied';
const ROUTING = '550 5.7.1 Relaying denied: source routing in the address is not accepted';
const LIBRARY_SYNTAX = '501 5.1.3 Error: Bad recipient address syntax';


/** Every relay trick, with the exact refusal. None may reach the queue or a local mailbox. */
const RELAY_TRICKS: ReadonlyArray<readonly [string, string]> = [
  // RFC 5321 §3.6.1 / appendix C: a source route through us is ignored, leaving a remote address.
  ['@cantho.gov.vn:victim@example.net', RELAY_DENIED],
  ['@cantho.gov.vn,@mail.cantho.gov.vn:victim@example.net', RELAY_DENIED],
  // The %-hack and bang paths, with our domain in every position.
  ['victim%example.net@cantho.gov.vn', ROUTING],
  ['victim%example.net%cantho.gov.vn@cantho.gov.vn', ROUTING],
  ['victim@example.net%cantho.gov.vn', LIBRARY_SYNTAX],
  ['cantho.gov.vn!example.net!victim@cantho.gov.vn', ROUTING],
  ['victim%example.net', LIBRARY_SYNTAX],
  // Quoted local parts (RFC 5321 §4.1.2 Quoted-string): never a mailbox of ours.
  ['"victim@example.net"@cantho.gov.vn', LIBRARY_SYNTAX],
  ['"victim%example.net"@cantho.gov.vn', ROUTING],
  ['"annv"@cantho.gov.vn', ROUTING],
  ['"annv@cantho.gov.vn"@example.net', LIBRARY_SYNTAX],
  // Address literals (RFC 5321 §4.1.3), ours or not, are not local domains.
  ['annv@[127.0.0.1]', RELAY_DENIED],
  ['victim@[127.0.0.1]', RELAY_DENIED],
  ['victim@[192.0.2.1]', RELAY_DENIED],
  ['victim@[IPv6:::1]', RELAY_DENIED],
  // Case and suffix tricks on the domain.
  ['victim@EXAMPLE.NET', RELAY_DENIED],
  ['victim@cantho.gov.vn.example.net', RELAY_DENIED],
  ['victim@example.net.cantho.gov', RELAY_DENIED],
  ['victim@xcantho.gov.vn', RELAY_DENIED],
  ['victim@gov.vn', RELAY_DENIED],
  // A trailing dot (the root) is not a mail domain in RFC 5321 §4.1.2 syntax, ours or not.
  ['victim@example.net.', LIBRARY_SYNTAX],
  ['annv@cantho.gov.vn.', LIBRARY_SYNTAX],
  // IDN and UTF-8 (RFC 6531): U-labels are accepted as A-labels (src/smtp/address.ts), and
  // look-alikes of our domain are other domains: relaying refused.
  ['victim@cầnthơ.vn', RELAY_DENIED],
  ['annv@cаntho.gov.vn', RELAY_DENIED], // Cyrillic "а"
  ['victim@example．net', RELAY_DENIED], // fullwidth full stops: example.net (RFC 3490 §3.1)
  // smtp-server turns A-labels into U-labels; compared as A-labels again, still not ours.
  ['victim@xn--cnth-3na7b.vn', RELAY_DENIED],
  // Several @, and the local domain hidden in the local part.
  ['victim@example.net@cantho.gov.vn', LIBRARY_SYNTAX],
  ['annv@cantho.gov.vn@example.net', LIBRARY_SYNTAX],
];

async function rcptReply(client: RawSmtp, address: string): Promise<string> {
  const reply = await client.command(`RCPT TO:<${address}>`);
  // Nothing was accepted, so there is no transaction to send.
  expect(await client.command('DATA')).toBe('503 5.5.1 Error: need RCPT command');
  expect(await client.command('RSET')).toBe('250 2.0.0 Flushed');
  await client.command('MAIL FROM:<spammer@example.org> SMTPUTF8');
  return reply;
}

describe('no open relay from the MX', () => {
  test.each(RELAY_TRICKS)('RCPT TO:<%s> → %s', async (address, expected) => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello('spammer.example.org');
    expect(await client.command('MAIL FROM:<spammer@example.org> SMTPUTF8')).toBe('250 2.1.0 Accepted');
    expect(await rcptReply(client, address)).toBe(expected);
    await client.quit();
  });

  test('IDNA full-stop equivalents (RFC 3490 §3.1) spell our own domain: a local recipient, not a relay', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    await client.command('MAIL FROM:<a@example.org> SMTPUTF8');
    expect(await client.command('RCPT TO:<annv@cantho．gov．vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<victim@cantho．gov．vn．example．net>')).toBe(RELAY_DENIED);
    await client.quit();
  });

  test('after STARTTLS the MX still relays for nobody and offers no AUTH', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello();
    expect(await client.startTls()).toBe('220 2.0.0 Ready to start TLS');
    expect(await client.command('EHLO spammer.example.org')).not.toMatch(/AUTH/);
    expect(await client.command(`AUTH PLAIN ${saslPlain('annv', PASSWORD)}`)).toBe('500 5.5.2 Error: command not recognized');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<victim@example.net>')).toBe(RELAY_DENIED);
    await client.quit();
  });

  test('a local sender address gives no relay right on the MX', async () => {
    const client = await RawSmtp.connect(h.mx);
    await client.hello('mail.cantho.gov.vn');
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<victim@example.net>')).toBe(RELAY_DENIED);
    await client.quit();
  });
});

describe('no relay from unauthenticated submission', () => {
  test.each([
    ['submission after STARTTLS', false],
    ['submissions (implicit TLS)', true],
  ] as const)('%s: MAIL and RCPT need AUTH first, whatever the address', async (_name, implicit) => {
    const client = await RawSmtp.connect(implicit ? h.submissions : h.submission, { tls: implicit });
    await client.hello();
    if (!implicit) {
      await client.startTls();
      await client.command('EHLO client.example.org');
    }
    expect(await client.command('MAIL FROM:<annv@cantho.gov.vn>')).toBe('530 5.7.0 Authentication required');
    // smtp-server allows ten commands without AUTH (421 4.4.2 after that); three RCPTs stay below.
    for (const [address] of RELAY_TRICKS.slice(0, 3)) expect(await client.command(`RCPT TO:<${address}>`)).toBe('530 5.7.0 Authentication required');
    expect(await client.command('DATA')).toBe('530 5.7.0 Authentication required');
    await client.quit();
  });
});

describe('authenticated submission sends only as the official (or a unit they may send as)', () => {
  async function authenticated(login: string): Promise<RawSmtp> {
    const client = await RawSmtp.connect(h.submissions, { tls: true });
    await client.hello();
    expect(await client.command(`AUTH PLAIN ${saslPlain(login, PASSWORD)}`)).toBe('235 2.7.0 Authentication successful');
    return client;
  }

  test.each([
    ['an official as another official', 'binhtt', 'annv', '535 5.7.8 Authentication credentials invalid'],
    ['an official as a unit without a delegation', 'binhtt', 'vpubnd', '535 5.7.8 Authentication credentials invalid'],
    ['an official as a unit of which they are a delegate', 'annv', 'vpubnd', '235 2.7.0 Authentication successful'],
    ['an official as themselves, in another case', 'binhtt', 'BinhTT', '235 2.7.0 Authentication successful'],
  ])('AUTH PLAIN with an authorization identity (RFC 4616 §2): %s', async (_name, authcid, authzid, expected) => {
    const client = await RawSmtp.connect(h.submissions, { tls: true });
    await client.hello();
    expect(await client.command(`AUTH PLAIN ${saslPlain(authcid, PASSWORD, authzid)}`)).toBe(expected);
    await client.quit();
  });

  test.each([
    ['annv@cantho.gov.vn', '553 5.7.1 Sender address not allowed for this login'],
    ['ANNV@CANTHO.GOV.VN', '553 5.7.1 Sender address not allowed for this login'],
    ['vpubnd@cantho.gov.vn', '553 5.7.1 Sender address not allowed for this login'],
    ['binhtt@example.org', '553 5.7.1 Sender address not allowed for this login'],
    ['binhtt@[127.0.0.1]', '553 5.7.1 Sender address not allowed for this login'],
    ['binhtt@cantho.gov.vn.example.org', '553 5.7.1 Sender address not allowed for this login'],
    ['"annv"@cantho.gov.vn', '553 5.7.1 Sender address not allowed for this login'],
    ['annv%cantho.gov.vn@cantho.gov.vn', '553 5.7.1 Sender address not allowed for this login'],
    ['postmaster@cantho.gov.vn', '553 5.7.1 Sender address not allowed for this login'],
    ['', '553 5.7.1 Sender address not allowed for this login'],
    // smtp-server's own syntax check: no bare local part, no root dot.
    ['binhtt', '501 5.1.7 Error: Bad sender address syntax'],
    ['binhtt@cantho.gov.vn.', '501 5.1.7 Error: Bad sender address syntax'],
  ])('binhtt: MAIL FROM:<%s> → %s', async (address, expected) => {
    const client = await authenticated('binhtt');
    expect(await client.command(`MAIL FROM:<${address}>`)).toBe(expected);
    await client.quit();
  });

  test.each(['binhtt@cantho.gov.vn', 'BinhTT@Cantho.Gov.Vn'])('binhtt: MAIL FROM:<%s> is the official’s own address', async (address) => {
    const client = await authenticated('binhtt');
    expect(await client.command(`MAIL FROM:<${address}>`)).toBe('250 2.1.0 Accepted');
    await client.quit();
  });

  test.each([
    ['another official', 'From: annv@cantho.gov.vn'],
    ['a unit without send-as', 'From: vpubnd@cantho.gov.vn'],
    ['a second author', 'From: binhtt@cantho.gov.vn, annv@cantho.gov.vn'],
    ['two From fields', 'From: binhtt@cantho.gov.vn\r\nFrom: annv@cantho.gov.vn'],
    ['a group', 'From: staff: annv@cantho.gov.vn;'],
    ['a display name that looks like the own address', 'From: "binhtt@cantho.gov.vn" <annv@cantho.gov.vn>'],
    ['a folded field', 'From:\r\n annv@cantho.gov.vn'],
    ['an upper-case field name', 'FROM: annv@cantho.gov.vn'],
    ['space before the colon', 'From : annv@cantho.gov.vn'],
    ['a route-addr', 'From: <@cantho.gov.vn:annv@cantho.gov.vn>'],
    ['no From field at all', 'Reply-To: binhtt@cantho.gov.vn'],
    // Parser differentials: nodemailer's addressparser reads binhtt in these, while the store's
    // RFC 5322 reader (src/mime/addresses.ts), whose ENVELOPE IMAP clients show, reads annv.
    ['another official as an unquoted display name', 'From: annv@cantho.gov.vn <binhtt@cantho.gov.vn>'],
    ['another official with an escaped space', 'From: annv@cantho.gov.vn\\ <binhtt@cantho.gov.vn>'],
    ['another official before an unclosed angle bracket', 'From: annv@cantho.gov.vn <binhtt@cantho.gov.vn'],
    ['another official before a bare local part', 'From: annv@cantho.gov.vn <binhtt>'],
  ])('binhtt: a From: header naming %s → 553 5.7.1, nothing stored or queued', async (_name, header) => {
    const before = { annv: (await h.messages(ANNV)).length, queued: (await h.ctx.queue.list()).length };
    const client = await authenticated('binhtt');
    expect(await client.command('MAIL FROM:<binhtt@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<annv@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('RCPT TO:<victim@example.net>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
    client.write(`${header}\r\nSubject: as someone else\r\n\r\nhello\r\n`);
    expect(await client.command('.')).toBe('553 5.7.1 From: header address not allowed for this login');
    await client.quit();
    expect(await h.messages(ANNV)).toHaveLength(before.annv);
    expect(await h.ctx.queue.list()).toHaveLength(before.queued);
  });

  test('a Sender: written by the client is replaced; a unit sent as gets the real sender', async () => {
    const client = await authenticated('annv');
    expect(await client.command('MAIL FROM:<vpubnd@cantho.gov.vn>')).toBe('250 2.1.0 Accepted');
    expect(await client.command('RCPT TO:<binhtt@cantho.gov.vn>')).toBe('250 2.1.5 Accepted');
    expect(await client.command('DATA')).toBe('354 End data with <CR><LF>.<CR><LF>');
    client.write('From: vpubnd@cantho.gov.vn\r\nSender: binhtt@cantho.gov.vn\r\nSubject: on behalf\r\n\r\nhello\r\n');
    expect(await client.command('.')).toBe('250 2.6.0 Message accepted for delivery');
    await client.quit();
    const stored = (await h.messages(BINHTT)).at(-1)!.toString();
    expect(stored).toMatch(/^Sender: "Nguyễn Văn An" <annv@cantho\.gov\.vn>\r\n|^Sender: =\?UTF-8\?Q\?.*\?= <annv@cantho\.gov\.vn>\r\n/m);
    expect(stored).not.toContain('Sender: binhtt@cantho.gov.vn');
  });

  test('Python smtplib: binhtt relays to a remote recipient as binhtt, and cannot as annv', async () => {
    const before = (await h.ctx.queue.list()).length;
    const result = await python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL('127.0.0.1', ${h.submissions}, context=ctx)
s.login('binhtt', '${PASSWORD}')
print('own', s.sendmail('binhtt@cantho.gov.vn', ['friend@example.net'], b'From: binhtt@cantho.gov.vn\\r\\nSubject: hi\\r\\n\\r\\nhi\\r\\n'))
try:
    s.sendmail('annv@cantho.gov.vn', ['friend@example.net'], b'From: annv@cantho.gov.vn\\r\\nSubject: hi\\r\\n\\r\\nhi\\r\\n')
except smtplib.SMTPSenderRefused as e:
    print('other', e.smtp_code, e.smtp_error.decode())
s.quit()
`);
    expect(result.output.trim().split('\n')).toEqual(['own {}', 'other 553 5.7.1 Sender address not allowed for this login']);
    const queued = (await h.ctx.queue.list()).slice(before);
    expect(queued.map((q) => [q.sender, q.recipients.map((r) => r.address)])).toEqual([['binhtt@cantho.gov.vn', ['friend@example.net']]]);
  });
});
