/**
 * Interop with a client no one here wrote (DESIGN.md "Test infrastructure"): a full session with Python's imaplib (STARTTLS,
 * login, list, select, fetch, store, copy, move, expunge, search in Vietnamese, logout) against
 * the server started with the README command and an official created with the CLI.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWithSwaks } from './mail.js';
import { runProcess, startReadmeServer, type Official, type ReadmeServer } from './readme-server.js';

const SCRIPT = path.join(import.meta.dirname, 'imaplib_session.py');

describe('Python imaplib, full session over STARTTLS', () => {
  let server: ReadmeServer;
  let official: Official;

  beforeAll(async () => {
    server = await startReadmeServer();
    official = await server.addOfficial('Nguyễn Văn An');
    await deliverWithSwaks(server, official.address, { subject: 'Giấy mời họp', body: 'Kính mời ông Nguyễn Văn Ân dự họp lúc 8 giờ.' });
    await deliverWithSwaks(server, official.address, { subject: 'Báo cáo tháng 11', body: 'Số liệu tháng 11 đính kèm.' });
    await deliverWithSwaks(server, official.address, { subject: 'Lịch công tác', body: 'Trần Thị Bình đi công tác Cà Mau.' });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('completes every step with the answers RFC 3501 requires', async () => {
    const result = await runProcess('python3', [SCRIPT, String(server.ports.imap), official.address, official.password]);
    expect(result.code, `${result.stderr}\n${server.log().slice(-4000)}`).toBe(0);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(out).toEqual({
      // RFC 3501 §6.2.1 / §7.2.1: no LOGIN or AUTH before TLS; STARTTLS gone after it.
      before_tls: ['LOGINDISABLED', 'STARTTLS'],
      after_tls: ['AUTH=PLAIN'],
      login: 'OK',
      list: [
        'OK',
        [
          '(\\HasNoChildren \\Archive) "/" Archive',
          '(\\HasNoChildren \\Drafts) "/" Drafts',
          '(\\HasNoChildren \\Junk) "/" Junk',
          '(\\HasNoChildren \\Sent) "/" Sent',
          '(\\HasNoChildren \\Trash) "/" Trash',
          '(\\HasNoChildren) "/" INBOX',
        ],
      ],
      select: ['OK', '3'],
      fetch_headers: ['OK', ['Subject: =?UTF-8?B?R2nhuqV5IG3hu51pIGjhu41w?=', 'Subject: =?UTF-8?B?QsOhbyBjw6FvIHRow6FuZyAxMQ==?=', 'Subject: =?UTF-8?B?TOG7i2NoIGPDtG5nIHTDoWM=?=']],
      fetch_text: ['OK', 'Kính mời ông Nguyễn Văn Ân dự họp lúc 8 giờ.'],
      // This session is the first to see the messages: \Recent (RFC 3501 §2.3.2).
      flags_after_fetch: ['\\Recent', '\\Seen'],
      store: ['OK', ['\\Flagged', '\\Recent']],
      search_folded: ['OK', '1'],
      search_literal: ['OK', '1'],
      search_subject: ['OK', '1'],
      search_from: ['OK', '1 2 3'],
      search_flagged: ['OK', '2'],
      uid_search_unseen: ['OK', '2 3'],
      // RFC 4315 §3: COPYUID uidvalidity source-uids dest-uids.
      copy: ['OK', '[COPYUID <v> 2 1] COPY completed'],
      move: ['OK', ['3']],
      status_archive: 'Archive (MESSAGES 1 UNSEEN 1)',
      status_trash: 'Trash (MESSAGES 1)',
      expunge: ['OK', ['1']],
      remaining: ['1 (UID 2 FLAGS (\\Flagged \\Recent))'],
      close: 'OK',
      logout: ['BYE', expect.stringMatching(/\S/)],
    });
  });

  // RFC 3501 §6.3.2: EXAMINE "is identical to SELECT and returns the same output" and "MUST NOT
  // cause messages to lose the \Recent flag".
  it('EXAMINE shows \\Recent consistently with its RECENT count and leaves it for the next SELECT', async () => {
    await deliverWithSwaks(server, official.address, { subject: 'Thư mới', body: 'Thư đến sau cùng.' });
    const program = [
      'import imaplib, json, ssl, sys',
      'c = ssl.create_default_context(); c.check_hostname = False; c.verify_mode = ssl.CERT_NONE',
      'i = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); i.starttls(ssl_context=c); i.login(sys.argv[2], sys.argv[3])',
      'n = i.select("INBOX", readonly=True)[1][0].decode()',
      'recent = i.response("RECENT")[1][0].decode()',
      'flags = i.fetch(n, "(FLAGS)")[1][0].decode()',
      'i.logout()',
      'j = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); j.starttls(ssl_context=c); j.login(sys.argv[2], sys.argv[3]); j.select("INBOX")',
      'after = j.fetch(n, "(FLAGS)")[1][0].decode(); j.logout()',
      'print(json.dumps([n, recent, flags, after]))',
    ].join('\n');
    const result = await runProcess('python3', ['-c', program, String(server.ports.imap), official.address, official.password]);
    expect(result.code, result.stderr).toBe(0);
    const [exists, recent, flags, afterSelect] = JSON.parse(result.stdout) as string[];
    expect(recent).toBe('1');
    expect(flags).toBe(`${exists} (FLAGS (\\Recent))`);
    expect(afterSelect).toBe(`${exists} (FLAGS (\\Recent))`);
  });
});
