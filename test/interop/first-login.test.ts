/**
 * The README's first steps as an official lives them: `person add` gives a password that must be
 * changed (policy.require_password_change, default true); mail clients are refused with a pointer
 * to the web page; after the change on that page (sign-in and change forms, through curl) the
 * same clients work. Clients: curl (IMAP) and swaks (submission).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swaks } from '../smtp/clients.js';
import { CHANGED_PASSWORD, runProcess, startReadmeServer, type Official, type ReadmeServer } from './readme-server.js';

describe('first login of an official created with the CLI', () => {
  let server: ReadmeServer;
  let newcomer: Official;

  beforeAll(async () => {
    server = await startReadmeServer();
    newcomer = await server.addNewcomer('Phạm Minh Tâm');
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** curl -v listing over STARTTLS: the server's tagged answer to AUTHENTICATE is in the trace. */
  const curlList = (official: Official) =>
    runProcess('curl', ['-sS', '-v', '--max-time', '30', '-k', '--ssl-reqd', '-u', `${official.address}:${official.password}`, `imap://127.0.0.1:${server.ports.imap}/`]);
  const submit = (official: Official) =>
    swaks(['--server', `127.0.0.1:${server.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', official.address, '--auth-password', official.password, '--from', official.address, '--to', official.address]);
  const imapRefusal = (trace: string) => /^< A\d+ (NO .*)$/m.exec(trace)?.[1] ?? trace;
  const smtpRefusal = (transcript: string) => /^<~\* (535 .*)$/m.exec(transcript)?.[1] ?? transcript;

  it('refuses the first password in IMAP (NO [EXPIRED], RFC 5530) and SMTP (535 5.7.8), then accepts the changed one', async () => {
    const refused = await curlList(newcomer);
    expect(refused.code).toBe(67);
    expect(imapRefusal(refused.stderr)).toMatch(/^NO \[EXPIRED\] /);
    const refusedSmtp = await submit(newcomer);
    expect(smtpRefusal(refusedSmtp.output)).toMatch(/^535 5\.7\.8 /);

    const changed = await server.changePasswordOnWeb(newcomer, CHANGED_PASSWORD);
    const listed = await curlList(changed);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split('\r\n')).toContain('* LIST (\\HasNoChildren) "/" INBOX');
    const sent = await submit(changed);
    expect(sent.code, sent.output).toBe(0);
    expect(sent.output).toMatch(/^<~ {2}250 2\.6\.0 /m);
  });

  // Both protocols name src/config/urls.ts passwordChangeUrl(): with the README's config (no
  // http.public_url) that is the web listener itself, the page the official can open.
  it('both refusals name the password change page, and that page answers', async () => {
    const other = await server.addNewcomer('Đỗ Thị Lan');
    const page = `http://127.0.0.1:${server.ports.http}/doi-mat-khau`;
    expect(imapRefusal((await curlList(other)).stderr)).toBe(`NO [EXPIRED] Your password must be changed first: ${page}`);
    expect(smtpRefusal((await submit(other)).output)).toBe(`535 5.7.8 Password must be changed before use: ${page}`);
    // Without a session the page sends the official to sign in first (303), it is not a 404.
    const answer = await runProcess('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', page]);
    expect(answer.stdout).toBe(`303 http://127.0.0.1:${server.ports.http}/dang-nhap`);
  });
});
