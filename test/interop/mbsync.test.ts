/**
 * Interop with a client no one here wrote (DESIGN.md "Test infrastructure"): mbsync (Debian isync 1.4) syncing 500 messages
 * down into a Maildir, a flag change and a new message up, and a run after each that transfers
 * nothing — against the server started with the README command. Then syncing while mail arrives,
 * and after a restart of the server.
 *
 * mbsync verifies the server: its self-signed certificate (made on first start in
 * data_dir/tls/cert.pem) is given as a host certificate in CertificateFile, system CAs off.
 * mbsync prints its progress counters only to a terminal, so it runs under script(1); the last
 * counter line is "C: channels B: boxes F: +new *flags #deleted (far side) N: … (near side)",
 * each done/total.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectImapflow } from './imapflow-client.js';
import { composeMessage, SENDER } from './mail.js';
import { runProcess, startReadmeServer, type Official, type ReadmeServer } from './readme-server.js';

const COUNT = 500;
/** Delivered while mbsync runs. */
const MORE = 200;
const BOXES = ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash'];

describe('mbsync (isync) against the README server', () => {
  let server: ReadmeServer;
  let official: Official;
  let maildir: string;
  let rc: string;

  beforeAll(async () => {
    server = await startReadmeServer();
    official = await server.addOfficial('Nguyễn Văn An');
    // 500 messages through the MX, as mail from outside arrives (clamd and the filters included).
    await deliver(1, COUNT, 4);

    maildir = path.join(server.dir, 'Maildir');
    mkdirSync(maildir);
    rc = path.join(server.dir, 'mbsyncrc');
    writeFileSync(
      rc,
      [
        'IMAPAccount cantho',
        'Host 127.0.0.1',
        `Port ${server.ports.imap}`,
        `User ${official.address}`,
        `Pass ${official.password}`,
        'SSLType STARTTLS',
        `CertificateFile ${path.join(server.dataDir, 'tls', 'cert.pem')}`,
        'SystemCertificates no',
        '',
        'IMAPStore far',
        'Account cantho',
        '',
        'MaildirStore near',
        `Path ${maildir}/`,
        `Inbox ${maildir}/INBOX`,
        'SubFolders Verbatim',
        '',
        'Channel cantho',
        'Far :far:',
        'Near :near:',
        'Patterns *',
        'Create Near',
        'Sync All',
        'SyncState *',
        '',
      ].join('\n'),
    );
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  /** Messages number `first`… (`count` of them) through the MX over `connections` parallel connections. */
  async function deliver(first: number, count: number, connections: number): Promise<void> {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: server.ports.mx, secure: false, ignoreTLS: true, pool: true, maxConnections: connections, maxMessages: 1000 });
    try {
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          transport.sendMail({
            envelope: { from: SENDER, to: [official.address] },
            raw: composeMessage(official.address, { subject: `Công văn số ${first + i}`, body: `Nội dung công văn số ${first + i}.`, messageId: `<down-${first + i}@example.org>` }),
          }),
        ),
      );
    } finally {
      transport.close();
    }
  }

  /** One `mbsync -a` run; returns its final counters line. */
  async function sync(): Promise<string> {
    const result = await runProcess('script', ['-qec', `mbsync -c '${rc}' -a`, '/dev/null'], { timeoutMs: 180_000 });
    expect(result.code, `${result.stdout}${result.stderr}\n${server.log().slice(-3000)}`).toBe(0);
    expect(result.stdout).not.toMatch(/error|warning/i);
    const counters = result.stdout.split(/[\r\n]+/).filter((line) => line.startsWith('C: '));
    return counters.at(-1) ?? '';
  }

  const inboxFiles = () => ['cur', 'new'].flatMap((sub) => readdirSync(path.join(maildir, 'INBOX', sub)).map((name) => path.join(sub, name)));
  const messageIdOf = (file: string) => /^Message-ID: (\S+)\r?$/im.exec(readFileSync(path.join(maildir, 'INBOX', file), 'utf8'))?.[1];
  const messageIds = () => inboxFiles().map(messageIdOf);

  it('syncs 500 messages down, then a run that transfers nothing', async () => {
    expect(await sync()).toBe(`C: 1/1  B: 6/6  F: +0/0 *0/0 #0/0  N: +${COUNT}/${COUNT} *0/0 #0/0`);
    expect(readdirSync(maildir).filter((name) => !name.startsWith('.')).sort()).toEqual(BOXES);
    const files = inboxFiles();
    expect(files).toHaveLength(COUNT);
    // Each message once: mbsync names near-side files ",U=<near uid>:2,<flags>", numbered 1..500.
    const uids = files.map((file) => Number(/,U=(\d+)/.exec(file)?.[1])).sort((a, b) => a - b);
    expect(uids).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    // … and they are the 500 delivered ones.
    expect(new Set(messageIds())).toEqual(new Set(Array.from({ length: COUNT }, (_, i) => `<down-${i + 1}@example.org>`)));

    expect(await sync()).toBe('C: 1/1  B: 6/6  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0');
  });

  it('propagates a flag change and a new message up, then a run that transfers nothing', async () => {
    // Flag UID 7 \Flagged and \Seen on the near side (Maildir info "2,FS", flags in ASCII order).
    const seven = inboxFiles().find((file) => /,U=7:2,$/.test(file));
    expect(seven).toBeDefined();
    const sevenId = messageIdOf(seven!);
    renameSync(path.join(maildir, 'INBOX', seven!), path.join(maildir, 'INBOX', 'cur', `${path.basename(seven!)}FS`));
    // A new message written into the near INBOX.
    const upload = composeMessage(official.address, { subject: 'Thư tải lên', body: 'Viết trong Maildir, gửi lên bằng mbsync.', messageId: '<up-1@cantho.gov.vn>' });
    writeFileSync(path.join(maildir, 'INBOX', 'new', `1795800000.M1P1.interop`), upload);

    expect(await sync()).toBe('C: 1/1  B: 6/6  F: +1/1 *1/1 #0/0  N: +0/0 *0/0 #0/0');
    // mbsync's sync state pairs "far-UID near-UID flags": the upload got far UID 501 from
    // APPENDUID (RFC 4315 §3), and UID 7 is recorded with its new flags.
    const pairs = readFileSync(path.join(maildir, 'INBOX', '.mbsyncstate'), 'utf8').split('\n').filter((line) => /^\d+ \d+/.test(line));
    expect(pairs).toHaveLength(COUNT + 1);
    expect(pairs).toContain('7 7 FS');
    expect(pairs).toContain('501 501 ');

    const { client } = await connectImapflow(server.ports.imap, official);
    try {
      const inbox = await client.mailboxOpen('INBOX', { readOnly: true });
      expect(inbox.exists).toBe(COUNT + 1);
      const flagged = await client.fetchOne('7', { flags: true, envelope: true }, { uid: true });
      expect(flagged && [...flagged.flags!].sort()).toEqual(['\\Flagged', '\\Seen']);
      // The same message on both sides (deliveries over 4 connections arrive in any order).
      expect(flagged && flagged.envelope!.messageId).toBe(sevenId);
      const uploaded = await client.fetchOne('501', { envelope: true, source: true }, { uid: true });
      expect(uploaded && uploaded.envelope!.messageId).toBe('<up-1@cantho.gov.vn>');
      // Byte for byte what was written, plus the X-TUID header mbsync adds to every message it propagates.
      const source = uploaded ? uploaded.source!.toString('utf8') : '';
      const tuid = /^X-TUID: (\S+)\r\n/m.exec(source)?.[1];
      expect(source).toBe(upload.replace('\r\n\r\n', `\r\nX-TUID: ${tuid}\r\n\r\n`));
      expect(await client.search({ flagged: true }, { uid: true })).toEqual([7]);
    } finally {
      await client.logout();
    }

    expect(await sync()).toBe('C: 1/1  B: 6/6  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0');
    expect(inboxFiles()).toHaveLength(COUNT + 1);
  });

  it('loses nothing when it syncs while mail is being delivered', async () => {
    // mbsync asks only for UIDs above the highest it has pulled: a UID that became visible
    // before a lower one had committed would be skipped for good (RFC 3501 §2.3.1.1: UIDs are
    // strictly ascending in the order messages are added).
    // The second half is sent only after one sync has finished, so however slow a sync is
    // under load, at least two of them overlap the deliveries.
    let delivered = false;
    let firstSyncDone!: () => void;
    const afterFirstSync = new Promise<void>((resolve) => (firstSyncDone = resolve));
    const half = MORE / 2;
    const delivering = deliver(COUNT + 1, half, 10)
      .then(() => afterFirstSync)
      .then(() => deliver(COUNT + 1 + half, MORE - half, 10))
      .finally(() => (delivered = true));
    let runsDuringDelivery = 0;
    while (!delivered) {
      await sync();
      runsDuringDelivery++;
      firstSyncDone();
    }
    await delivering;
    await sync();
    expect(runsDuringDelivery).toBeGreaterThan(1);
    const ids = messageIds();
    expect(ids).toHaveLength(COUNT + 1 + MORE);
    expect(new Set(ids).size).toBe(COUNT + 1 + MORE);
    for (let n = COUNT + 1; n <= COUNT + MORE; n++) expect(ids).toContain(`<down-${n}@example.org>`);
    expect(await sync()).toBe('C: 1/1  B: 6/6  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0');
  });

  it('finds everything as it was after serve is stopped (SIGTERM) and started again', async () => {
    await server.restart();
    // Same UIDVALIDITY, UIDs and flags: a changed UIDVALIDITY would make mbsync refuse the box,
    // a lost message or flag would show in the counters.
    expect(await sync()).toBe('C: 1/1  B: 6/6  F: +0/0 *0/0 #0/0  N: +0/0 *0/0 #0/0');
    const { client } = await connectImapflow(server.ports.imap, official);
    try {
      await client.mailboxOpen('INBOX', { readOnly: true });
      expect(await client.search({ flagged: true }, { uid: true })).toEqual([7]);
      expect(await client.status('INBOX', { messages: true })).toMatchObject({ messages: COUNT + 1 + MORE });
    } finally {
      await client.logout();
    }
  });
});
