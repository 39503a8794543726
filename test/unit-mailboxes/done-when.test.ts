import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/cli-helpers.js';
import { swaks } from '../smtp/clients.js';
import { PASSWORD, UNIT, address, startUnitServer, type UnitServer } from './support.js';

/**
 * Acceptance of unit mailboxes (docs/architecture.md "Unit mailboxes"): annv, granted with --send-as, reads Shared/vpubnd/INBOX in Python's
 * imaplib, moves the message into her own Archive, answers as vpubnd@cantho.gov.vn with swaks
 * (AUTH on submission, Sender: added), and `cantho-mail audit --subject vpubnd@cantho.gov.vn`
 * lists the three actions under her name; the outsider dungdt sees nothing of the unit.
 */

const run = promisify(execFile);
const SCRIPT = path.join(import.meta.dirname, 'clients/imaplib_units.py');
let u: UnitServer;
let configFile: string;

beforeAll(async () => {
  u = await startUnitServer();
  // The CLI works on the same database while the server runs (DESIGN.md "CLI").
  configFile = path.join(u.server.dataDir, 'cli.toml');
  writeFileSync(configFile, `[server]\ndata_dir = ${JSON.stringify(u.server.dataDir)}\n`);
});
afterAll(() => u.close());

const imaplib = async (user: string, mode: string) => (await run('python3', [SCRIPT, String(u.server.ports.imap), user, PASSWORD, mode], { timeout: 30_000 })).stdout;

const submit = (user: string, extra: string[]) =>
  swaks([
    '--server', `127.0.0.1:${u.server.ports.submission}`, '--tls', '--auth', 'PLAIN', '--auth-user', user, '--auth-password', PASSWORD,
    '--from', 'vpubnd@cantho.gov.vn', '--to', 'dungdt@cantho.gov.vn', ...extra,
  ]); // prettier-ignore

describe('unit mailboxes acceptance', () => {
  it('a delegate with send-as reads, files and answers as the unit, and the audit shows the three actions', async () => {
    await u.deliverToUnit('Đề nghị báo cáo tình hình', '<de-nghi-42@sotttt.cantho.gov.vn>');

    const session = await imaplib('annv', 'shared');
    expect(session.split('\n')).toEqual(
      [
        'login OK',
        'namespace OK',
        '  (("" "/")) NIL (("Shared/" "/"))',
        'list OK',
        '  (\\Noselect \\HasChildren) "/" Shared/vpubnd',
        ...['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash'].map((f) => `  (\\HasNoChildren) "/" Shared/vpubnd/${f}`),
        'list % OK',
        '  (\\Noselect \\HasChildren) "/" Shared/vpubnd',
        'myrights OK',
        '  Shared/vpubnd/INBOX lrswite',
        'select OK',
        '  1',
        expect.stringMatching(/^fetch OK 1 \(FLAGS \(\\Seen \\Recent\) BODY\[\] \{\d+\}$/),
        'body Kính gửi Văn phòng UBND thành phố,',
        'move OK',
        'archive OK',
        '  Archive (MESSAGES 1)',
        'logout BYE',
        '',
      ],
    );
    const archived = (await u.store.getMailbox(address('annv'), 'Archive'))!;
    const [meta] = await u.store.getMessageMeta(archived.id, (await u.store.listMessages(archived.id)).map((r) => r.uid));
    expect(meta!.envelope.messageId).toBe('<de-nghi-42@sotttt.cantho.gov.vn>');
    expect((await u.store.mailboxCounts((await u.store.getMailbox(UNIT, 'INBOX'))!.id)).messages).toBe(0);

    const answer = await submit('annv', [
      '--header', 'From: Van phong UBND thanh pho <vpubnd@cantho.gov.vn>',
      '--header', 'Subject: Re: Bao cao tinh hinh',
      '--header', 'Message-Id: <tra-loi-42@cantho.gov.vn>',
      '--header', 'In-Reply-To: <de-nghi-42@sotttt.cantho.gov.vn>',
      '--body', 'Van phong da nhan va se bao cao.',
    ]); // prettier-ignore
    expect(answer.code, answer.output).toBe(0);
    expect(answer.output).toMatch(/^<~ {2}250 2\.6\.0 Message accepted for delivery/m);

    // RFC 5322 §3.6.2: From: is the unit (the author), Sender: the official who sent it.
    const inbox = (await u.store.getMailbox(address('dungdt'), 'INBOX'))!;
    const [row] = await u.store.listMessages(inbox.id);
    const received = await simpleParser(await u.store.readBlob(row!.blobId));
    expect(received.from?.value).toEqual([{ address: 'vpubnd@cantho.gov.vn', name: 'Van phong UBND thanh pho' }]);
    expect(received.headers.get('sender')).toMatchObject({ value: [{ address: 'annv@cantho.gov.vn', name: 'Nguyễn Văn An' }] });

    const audit = await runCli(['--config', configFile, 'audit', '--subject', 'vpubnd@cantho.gov.vn']);
    expect(audit.stderr).toBe('');
    const annvLines = audit.stdout
      .split('\n')
      .filter((line) => line.split('\t')[1] === 'annv@cantho.gov.vn' && /delegate\.(read|move|send-as)/.test(line))
      .map((line) => line.split('\t').slice(1));
    expect(annvLines).toEqual([
      ['annv@cantho.gov.vn', 'delegate.read', 'vpubnd@cantho.gov.vn', 'INBOX <de-nghi-42@sotttt.cantho.gov.vn> "Đề nghị báo cáo tình hình"'],
      ['annv@cantho.gov.vn', 'delegate.move', 'vpubnd@cantho.gov.vn', 'INBOX → Archive <de-nghi-42@sotttt.cantho.gov.vn> "Đề nghị báo cáo tình hình"'],
      ['annv@cantho.gov.vn', 'delegate.send-as', 'vpubnd@cantho.gov.vn', '<tra-loi-42@cantho.gov.vn> "Re: Bao cao tinh hinh"'],
    ]);
  });

  it('the outsider sees nothing of the unit', async () => {
    const session = await imaplib('dungdt', 'list');
    expect(session).not.toContain('Shared');
    expect(session).toBe(
      [
        'login OK',
        'list OK',
        '  (\\HasNoChildren) "/" INBOX',
        '  (\\HasNoChildren \\Archive) "/" Archive',
        '  (\\HasNoChildren \\Drafts) "/" Drafts',
        '  (\\HasNoChildren \\Junk) "/" Junk',
        '  (\\HasNoChildren \\Sent) "/" Sent',
        '  (\\HasNoChildren \\Trash) "/" Trash',
        'select NO',
        '  [NONEXISTENT] No such mailbox',
        'logout BYE',
        '',
      ].join('\n'),
    );
  });
});

describe('send as the unit (swaks with AUTH on submission)', () => {
  it('refuses a delegate without --send-as at MAIL FROM', async () => {
    const result = await submit('binhtt', ['--header', 'Subject: thu']);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/^<~\* 553 5\.7\.1 Sender address not allowed for this login$/m);
    expect(u.directory.queryAudit({ subject: UNIT }).some((r) => r.actor === 'binhtt@cantho.gov.vn' && r.action === 'delegate.send-as')).toBe(false);
  });

  it('replaces a Sender: the delegate wrote, and the copy can be filed in the unit Sent', async () => {
    const result = await submit('annv', ['--header', 'From: <vpubnd@cantho.gov.vn>', '--header', 'Sender: Giam doc <giamdoc@cantho.gov.vn>', '--header', 'Subject: Sender gia']);
    expect(result.code, result.output).toBe(0);
    const inbox = (await u.store.getMailbox(address('dungdt'), 'INBOX'))!;
    const rows = await u.store.listMessages(inbox.id);
    const text = (await u.store.readBlob(rows.at(-1)!.blobId)).toString('utf8');
    expect(text.match(/^Sender:.*$/gim)).toEqual(['Sender: =?UTF-8?Q?Nguy=E1=BB=85n_V=C4=83n_An?= <annv@cantho.gov.vn>']);
    const annv = await u.login('annv');
    const filed = await annv.command('a', `APPEND Shared/vpubnd/Sent (\\Seen) {${Buffer.byteLength(text)}+}\r\n${text}`);
    expect(filed.at(-1)).toMatch(/^a OK \[APPENDUID \d+ 1\] APPEND completed$/);
    annv.close();
    expect(u.directory.queryAudit({ subject: UNIT }).at(-1)).toMatchObject({ actor: 'annv@cantho.gov.vn', action: 'delegate.append', detail: { mailbox: 'Sent' } });
  });
});
