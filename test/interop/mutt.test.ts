/**
 * Interop with a client no one here wrote (DESIGN.md "Test infrastructure"): mutt (Debian mutt 2.2) in batch mode opening
 * the mailbox over STARTTLS, against the server started with the README command.
 *
 * mutt is a full-screen program: it runs under script(1) for a terminal, and `-e 'push …'` types
 * the keys. It verifies the server: the self-signed certificate made on first start is its
 * `certificate_file` (the certificate names 127.0.0.1, so the host check passes too). What it
 * did is asserted from files its <pipe-message> wrote and from the mailbox afterwards.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImapflow } from './imapflow-client.js';
import { deliverWithSwaks } from './mail.js';
import { runProcess, startReadmeServer, type Official, type ReadmeServer } from './readme-server.js';

describe('mutt in batch mode', () => {
  let server: ReadmeServer;
  let official: Official;

  beforeAll(async () => {
    // The other interop tests change the first password on the web page; this one sets
    // policy.require_password_change = false, the config path an administrator may choose.
    server = await startReadmeServer({ passwordChange: 'config' });
    official = await server.addOfficial('Nguyễn Văn An');
    for (const [i, subject] of ['Giấy mời họp', 'Báo cáo tháng 11', 'Lịch công tác'].entries()) {
      await deliverWithSwaks(server, official.address, { subject, body: `Thư số ${i + 1}.`, messageId: `<mutt-${i + 1}@example.org>` });
    }
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
  });

  function muttrc(): string {
    const file = path.join(server.dir, 'muttrc');
    writeFileSync(
      file,
      [
        `set imap_user="${official.address}"`,
        `set imap_pass="${official.password}"`,
        `set folder="imap://127.0.0.1:${server.ports.imap}/"`,
        'set spoolfile="+INBOX"',
        'set ssl_starttls=yes',
        'set ssl_force_tls=yes',
        `set certificate_file="${path.join(server.dataDir, 'tls', 'cert.pem')}"`,
        'set header_cache=""',
        'set message_cachedir=""',
        'set record=""',
        'set wait_key=no',
        'set pipe_split=yes',
        'set sort=date',
        'set charset="utf-8"',
        '',
      ].join('\n'),
    );
    return file;
  }

  /** Runs mutt with `keys` pushed; returns the terminal output with escape sequences removed. */
  async function mutt(keys: string): Promise<string> {
    const command = `mutt -n -F '${muttrc()}' -e 'push "${keys}"'`;
    const result = await runProcess('script', ['-qec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm' }, timeoutMs: 60_000 });
    const screen = result.stdout.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-B]|\x1b[=>]/g, '').replace(/\r/g, '\n');
    expect(result.code, `${screen}\n${server.log().slice(-3000)}`).toBe(0);
    return screen;
  }

  it('opens INBOX over STARTTLS, pipes every message, flags one and syncs it back', async () => {
    const ids = path.join(server.dir, 'message-ids.txt');
    // Tag all, pipe each message (pipe_split) to grep, flag the first one, sync, leave. No "^" in
    // the keys: mutt reads "^x" in a push string as Control-x.
    const screen = await mutt(`<tag-pattern>~A<enter><tag-prefix><pipe-message>grep -i -x \\"message-id: .*\\" >> ${ids}<enter><first-entry><flag-message><sync-mailbox><exit>`);

    expect(screen).toMatch(/SSL\/TLS connection using TLS1\.[23]/);
    expect(screen).toContain('Authenticating (PLAIN)...');
    // The index status line when mutt left: three messages, all new, one flagged, all tagged.
    expect(screen).toMatch(/---Mutt: =INBOX \[Msgs:3 New:3 Flag:1 Tag:3 [0-9.]+K\]---/);
    expect(readFileSync(ids, 'utf8')).toBe('Message-ID: <mutt-1@example.org>\nMessage-ID: <mutt-2@example.org>\nMessage-ID: <mutt-3@example.org>\n');

    const { client } = await connectImapflow(server.ports.imap, official);
    try {
      await client.mailboxOpen('INBOX', { readOnly: true });
      const flags = [];
      for await (const message of client.fetch('1:*', { uid: true, flags: true, envelope: true }, { uid: true })) {
        flags.push([message.uid, message.envelope!.messageId, [...message.flags!].sort()]);
      }
      // mutt reads with BODY.PEEK (no \Seen, RFC 3501 §6.4.5) and keeps them new; <flag-message>
      // and <sync-mailbox> stored \Flagged on the first.
      expect(flags).toEqual([
        [1, '<mutt-1@example.org>', ['\\Flagged']],
        [2, '<mutt-2@example.org>', []],
        [3, '<mutt-3@example.org>', []],
      ]);
    } finally {
      await client.logout();
    }
  });
});
