/**
 * Interop with a client no one here wrote (DESIGN.md "Test infrastructure"): curl's IMAP client (libcurl, RFC 5092 URLs)
 * listing and fetching, over STARTTLS on `imap.listen` (--ssl-reqd) and implicit TLS on
 * `imap.tls_listen` (imaps://), against the server started with the README command. Also:
 * sections, a search URL, an upload (APPEND), a unit mailbox granted with the CLI, logins.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMessage, deliverWithSwaks, type Letter } from './mail.js';
import { runProcess, startReadmeServer, type Official, type ReadmeServer } from './readme-server.js';

const LETTER: Letter = { subject: 'Giấy mời họp', body: 'Kính mời ông Nguyễn Văn Ân dự họp lúc 8 giờ.', messageId: '<curl-1@example.org>' };
const SECOND: Letter = { subject: 'Báo cáo tháng 11', body: 'Số liệu tháng 11.', messageId: '<curl-2@example.org>' };

describe('curl imap:// and imaps://', () => {
  let server: ReadmeServer;
  let official: Official;
  let sent: string;

  beforeAll(async () => {
    server = await startReadmeServer();
    official = await server.addOfficial('Nguyễn Văn An');
    const transcript = await deliverWithSwaks(server, official.address, LETTER);
    // The Date header swaks sent, to rebuild the exact message we expect back.
    sent = composeMessage(official.address, LETTER, new Date(/^ -> Date: (.*)$/m.exec(transcript)![1]!));
    await deliverWithSwaks(server, official.address, SECOND);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** curl as an official would run it: STARTTLS required, the self-signed certificate not verified. */
  const curl = (url: string, ...extra: string[]) =>
    runProcess('curl', ['-sS', '--max-time', '30', '-k', '-u', `${official.address}:${official.password}`, ...extra, url]);
  const imapUrl = (rest: string) => `imap://127.0.0.1:${server.ports.imap}/${rest}`;

  it('lists the mailboxes over STARTTLS', async () => {
    const result = await curl(imapUrl(''), '--ssl-reqd');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '* LIST (\\HasNoChildren) "/" INBOX',
        '* LIST (\\HasNoChildren \\Archive) "/" Archive',
        '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
        '* LIST (\\HasNoChildren \\Junk) "/" Junk',
        '* LIST (\\HasNoChildren \\Sent) "/" Sent',
        '* LIST (\\HasNoChildren \\Trash) "/" Trash',
        '',
      ].join('\r\n'),
    );
  });

  it('fetches a message by UID over STARTTLS: the message as sent, under our trace headers', async () => {
    const result = await curl(imapUrl('INBOX;UID=1'), '--ssl-reqd');
    expect(result.code, result.stderr).toBe(0);
    const [trace] = result.stdout.split(sent.slice(0, sent.indexOf('\r\n')));
    expect(result.stdout).toBe(`${trace}${sent}`);
    expect(trace!.match(/^Received: from /gm)).toHaveLength(1);
    expect(trace).toMatch(/^Authentication-Results: mail\.cantho\.gov\.vn;/m);
  });

  it('fetches one section (RFC 5092 ;SECTION=) and the second message by UID', async () => {
    const text = await curl(imapUrl('INBOX;UID=1;SECTION=TEXT'), '--ssl-reqd');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${LETTER.body}\r\n`);
    const subject = await curl(imapUrl('INBOX;UID=2;SECTION=HEADER.FIELDS%20(SUBJECT)'), '--ssl-reqd');
    expect(subject.code, subject.stderr).toBe(0);
    expect(subject.stdout).toBe('Subject: =?UTF-8?B?QsOhbyBjw6FvIHRow6FuZyAxMQ==?=\r\n\r\n');
  });

  it('searches with a query URL: the Vietnamese name without diacritics finds message 1', async () => {
    const result = await curl(imapUrl('INBOX?TEXT%20%22nguyen%20van%20an%22'), '--ssl-reqd');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('* SEARCH 1\r\n');
  });

  it('uploads a message with -T (APPEND) and reads it back byte for byte', async () => {
    const upload = composeMessage(official.address, { subject: 'Bản nháp gửi lên bằng curl', body: 'Nội dung bản nháp.', messageId: '<curl-up@cantho.gov.vn>' });
    const file = path.join(server.dir, 'upload.eml');
    writeFileSync(file, upload);
    const appended = await curl(imapUrl('Drafts'), '--ssl-reqd', '-T', file);
    expect(appended.code, appended.stderr).toBe(0);
    // RFC 4315 §3: the first message appended to an empty mailbox gets UID 1.
    const fetched = await curl(imapUrl('Drafts;UID=1'), '--ssl-reqd');
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toBe(upload);
    const flags = await curl(imapUrl('Drafts'), '--ssl-reqd', '-X', 'UID FETCH 1 (FLAGS RFC822.SIZE)');
    // curl appends with \Seen; \Recent went to the session of the fetch above, the first to select
    // Drafts after the APPEND (RFC 3501 §2.3.2: one session only).
    expect(flags.stdout).toBe(`* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE ${Buffer.byteLength(upload)})\r\n`);
  });

  it('lists and fetches over implicit TLS (imaps://)', async () => {
    const list = await curl(`imaps://127.0.0.1:${server.ports.imaps}/`);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\r\n')).toContain('* LIST (\\HasNoChildren) "/" INBOX');
    const message = await curl(`imaps://127.0.0.1:${server.ports.imaps}/INBOX;UID=1`);
    expect(message.code, message.stderr).toBe(0);
    expect(message.stdout.endsWith(sent)).toBe(true);
  });

  it('without TLS, curl finds no way to log in: LOGINDISABLED and no AUTH= before STARTTLS (RFC 3501 §6.2.3)', async () => {
    const result = await runProcess('curl', ['-sS', '-v', '--max-time', '30', '-u', `${official.address}:${official.password}`, imapUrl('')]);
    expect(result.code).toBe(67);
    const capabilities = /^< \* CAPABILITY (.*)$/m.exec(result.stderr)?.[1]?.split(' ') ?? [];
    expect(capabilities).toEqual(expect.arrayContaining(['IMAP4rev1', 'STARTTLS', 'LOGINDISABLED']));
    expect(capabilities.filter((c) => c.startsWith('AUTH='))).toEqual([]);
    expect(result.stderr).toContain('No known authentication mechanisms supported');
  });

  describe('a unit mailbox the official was granted with `delegate grant` (RFC 2342 shared namespace)', () => {
    beforeAll(async () => {
      const granted = await server.cli(['delegate', 'grant', 'vpubnd', official.address, '--doc', '3/QĐ-VP']);
      expect(granted.code, granted.stderr).toBe(0);
      await deliverWithSwaks(server, 'vpubnd@cantho.gov.vn', { subject: 'Công văn gửi Văn phòng', body: 'Gửi Văn phòng UBND.', messageId: '<curl-unit@example.org>' });
    });

    it('lists it under the shared prefix and fetches from it', async () => {
      const namespace = await curl(imapUrl(''), '--ssl-reqd', '-X', 'NAMESPACE');
      expect(namespace.stdout).toBe('* NAMESPACE (("" "/")) NIL (("Shared/" "/"))\r\n');
      const list = await curl(imapUrl(''), '--ssl-reqd', '-X', 'LIST "" "Shared/vpubnd/%"');
      expect(list.stdout.split('\r\n')).toContain('* LIST (\\HasNoChildren) "/" Shared/vpubnd/INBOX');
      const subject = await curl(imapUrl('Shared/vpubnd/INBOX;UID=1;SECTION=HEADER.FIELDS%20(MESSAGE-ID)'), '--ssl-reqd');
      expect(subject.code, subject.stderr).toBe(0);
      expect(subject.stdout).toBe('Message-ID: <curl-unit@example.org>\r\n\r\n');
    });
  });

  describe('an official whose password is Vietnamese (changed on the web page, typed in NFC)', () => {
    const PASSWORD = 'Mật khẩu tiếng Việt 2026'.normalize('NFC');
    let hoa: Official;

    beforeAll(async () => {
      hoa = await server.addOfficial('Lê Thị Hoa', { password: PASSWORD });
    });

    const listAs = (password: string) =>
      runProcess('curl', ['-sS', '--max-time', '30', '-k', '--ssl-reqd', '-u', `${hoa.address}:${password}`, imapUrl('')]);

    it('logs in with the same characters (AUTHENTICATE PLAIN carries UTF-8, RFC 4616 §2)', async () => {
      const result = await listAs(PASSWORD);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.split('\r\n')).toContain('* LIST (\\HasNoChildren) "/" INBOX');
    });

    // RFC 4616 §2 / RFC 8265 §4.2: "ậ" typed precomposed (U+1EAD) or decomposed (Unikey's
    // "Unicode tổ hợp", macOS input) is the same password.
    it('logs in when the client sends the password decomposed (NFD)', async () => {
      const decomposed = PASSWORD.normalize('NFD');
      expect(decomposed).not.toBe(PASSWORD);
      const result = await listAs(decomposed);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.split('\r\n')).toContain('* LIST (\\HasNoChildren) "/" INBOX');
    });
  });

  it('refuses a wrong password with a login failure, not a crash', async () => {
    const result = await runProcess('curl', ['-sS', '--max-time', '30', '-k', '--ssl-reqd', '-u', `${official.address}:wrong-password-1`, imapUrl('')]);
    // curl exit 67: "The user name, password, or similar was not accepted".
    expect(result.code).toBe(67);
    expect(result.stdout).toBe('');
  });
});
