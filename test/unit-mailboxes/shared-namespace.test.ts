import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/cli-helpers.js';
import { TEST_DOC } from '../helpers/server.js';
import { PASSWORD, UNIT, address, startUnitServer, type UnitServer } from './support.js';

/**
 * docs/architecture.md "Unit mailboxes", shared namespace, over real sockets: the shared namespace as the head, two delegates and an
 * outsider see it — NAMESPACE, LIST patterns clients use, SUBSCRIBE, COPY/MOVE both ways, IDLE on
 * the unit's INBOX, shared \Seen, and the audit rows each action leaves.
 */

let u: UnitServer;
beforeAll(async () => {
  u = await startUnitServer();
});
afterAll(() => u.close());
afterEach(() => u.closeClients());

function flow(user: string): ImapFlow {
  return new ImapFlow({ host: '127.0.0.1', port: u.server.ports.imap, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false, disableAutoIdle: true });
}

const UNIT_FOLDERS = ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash'].map((f) => `* LIST (\\HasNoChildren) "/" Shared/vpubnd/${f}`);
const OWN_TOP = [
  '* LIST (\\HasNoChildren) "/" INBOX',
  '* LIST (\\HasNoChildren \\Archive) "/" Archive',
  '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
  '* LIST (\\HasNoChildren \\Junk) "/" Junk',
  '* LIST (\\HasNoChildren \\Sent) "/" Sent',
];

describe('NAMESPACE and LIST', () => {
  it('announces the shared namespace (RFC 2342) and ACL with RIGHTS= (RFC 4314)', async () => {
    const annv = await u.login('annv');
    expect(await annv.command('n', 'NAMESPACE')).toEqual(['* NAMESPACE (("" "/")) NIL (("Shared/" "/"))', 'n OK NAMESPACE completed']);
    const [capability] = await annv.command('c', 'CAPABILITY');
    expect(capability!.split(' ')).toEqual(expect.arrayContaining(['ACL', 'RIGHTS=texk', 'NAMESPACE', 'CHILDREN']));
  });

  it.each([
    ['%', [...OWN_TOP, '* LIST (\\Noselect \\HasChildren) "/" Shared', '* LIST (\\HasNoChildren \\Trash) "/" Trash']],
    ['Shared', ['* LIST (\\Noselect \\HasChildren) "/" Shared']],
    ['Shared/%', ['* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd']],
    ['Shared/*', ['* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd', ...UNIT_FOLDERS]],
    ['Shared/vpubnd/%', UNIT_FOLDERS],
    [
      '*',
      [...OWN_TOP, '* LIST (\\Noselect \\HasChildren) "/" Shared', '* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd', ...UNIT_FOLDERS, '* LIST (\\HasNoChildren \\Trash) "/" Trash'],
    ],
  ])('LIST "" "%s" walks down to the unit folders, parents \\Noselect \\HasChildren', async (pattern, lines) => {
    const annv = await u.login('annv');
    expect(await annv.command('l', `LIST "" "${pattern}"`)).toEqual([...lines, 'l OK LIST completed']);
  });

  it('takes the reference into account (LIST "Shared/" "%") and gives no special use to unit folders', async () => {
    const head = await u.login('truonglv');
    expect(await head.command('l', 'LIST "Shared/" "%"')).toEqual(['* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd', 'l OK LIST completed']);
    // RFC 6154: the unit's Sent is not the head's Sent, or a phone would file the head's mail there.
    const special = await head.command('s', 'LIST (SPECIAL-USE) "" "*"');
    expect(special.filter((l) => l.includes('Shared'))).toEqual([]);
  });

  it('shows an outsider nothing of the unit, with any pattern', async () => {
    const dungdt = await u.login('dungdt');
    for (const pattern of ['*', '%', 'Shared', 'Shared/%', 'Shared/*', 'Shared/vpubnd/*']) {
      const lines = await dungdt.command('l', `LIST "" "${pattern}"`);
      expect(lines.filter((l) => l.includes('Shared'))).toEqual([]);
    }
  });

  it('lists STATUS of unit folders under their shared names (LIST-STATUS, RFC 5819)', async () => {
    const binhtt = await u.login('binhtt');
    const lines = await binhtt.command('l', 'LIST "" "Shared/vpubnd/Sent" RETURN (STATUS (MESSAGES))');
    expect(lines).toEqual(['* LIST (\\HasNoChildren) "/" Shared/vpubnd/Sent', '* STATUS Shared/vpubnd/Sent (MESSAGES 0)', 'l OK LIST completed']);
  });
});

describe('imapflow, as Thunderbird-like clients walk it', () => {
  it('reads the shared namespace, lists the unit folders under \\Noselect parents, opens and subscribes', async () => {
    const client = flow('annv');
    await client.connect();
    try {
      expect(client.namespaces?.shared).toEqual([{ prefix: 'Shared/', delimiter: '/' }]);
      const listed = await client.list();
      const shared = listed.filter((m) => m.path.startsWith('Shared'));
      expect(shared.map((m) => [m.path, [...m.flags].sort()])).toEqual([
        ['Shared', ['\\HasChildren', '\\Noselect']],
        ['Shared/vpubnd', ['\\HasChildren', '\\Noselect']],
        ...['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash'].map((f) => [`Shared/vpubnd/${f}`, ['\\HasNoChildren']]),
      ]);
      // No unit folder poses as the person's own special folder.
      expect(shared.every((m) => m.specialUse === undefined)).toBe(true);
      expect(listed.find((m) => m.specialUse === '\\Sent')?.path).toBe('Sent');
      const opened = await client.mailboxOpen('Shared/vpubnd/Sent', { readOnly: true });
      expect(opened.path).toBe('Shared/vpubnd/Sent');
      expect(await client.mailboxSubscribe('Shared/vpubnd/Sent')).toBe(true);
    } finally {
      await client.logout();
    }
    const again = flow('annv');
    await again.connect();
    try {
      const subscribed = (await again.list()).filter((m) => m.subscribed).map((m) => m.path);
      expect(subscribed).toContain('Shared/vpubnd/Sent');
    } finally {
      await again.logout();
    }
  });
});

describe('SUBSCRIBE', () => {
  it('keeps a subscription to a shared folder across sessions (LSUB and LIST SUBSCRIBED)', async () => {
    const first = await u.login('binhtt');
    expect(await first.command('s', 'SUBSCRIBE Shared/vpubnd/INBOX')).toEqual(['s OK SUBSCRIBE completed']);
    first.close();
    const second = await u.login('binhtt');
    expect(await second.command('l', 'LSUB "" "Shared/*"')).toEqual(['* LSUB () "/" Shared/vpubnd/INBOX', 'l OK LSUB completed']);
    expect(await second.command('l', 'LIST (SUBSCRIBED) "" "Shared/*"')).toEqual([
      '* LIST (\\HasNoChildren \\Subscribed) "/" Shared/vpubnd/INBOX',
      'l OK LIST completed',
    ]);
  });
});

describe('SELECT, MYRIGHTS, flags and moves', () => {
  it('opens the unit INBOX read-write for annv (lrswite) and read-only for binhtt (lr)', async () => {
    await u.deliverToUnit('Công văn mở hộp thư');
    const annv = await u.login('annv');
    expect((await annv.command('s', 'SELECT Shared/vpubnd/INBOX')).at(-1)).toBe('s OK [READ-WRITE] SELECT completed');
    expect(await annv.command('m', 'MYRIGHTS Shared/vpubnd/INBOX')).toEqual(['* MYRIGHTS Shared/vpubnd/INBOX lrswite', 'm OK MYRIGHTS completed']);
    const binhtt = await u.login('binhtt');
    expect((await binhtt.command('s', 'SELECT Shared/vpubnd/INBOX')).at(-1)).toBe('s OK [READ-ONLY] SELECT completed');
    // Copying out needs only "r" on the source (RFC 4314 §4) and "i" on the own Archive.
    expect((await binhtt.command('c', 'UID COPY 1:* Archive')).at(-1)).toMatch(/^c OK \[COPYUID \d+ [\d:,]+ [\d:,]+\] UID COPY completed$/);
  });

  it('shares \\Seen in the default seen mode: one delegate reading marks it read for the team', async () => {
    const uid = await u.deliverToUnit('Công văn đã đọc chung');
    const annv = await u.login('annv');
    await annv.command('s', 'SELECT Shared/vpubnd/INBOX');
    expect((await annv.command('f', `UID FETCH ${uid} (BODY[TEXT])`))[0]).toMatch(new RegExp(`^\\* \\d+ FETCH \\(UID ${uid} BODY\\[TEXT\\] \\{\\d+\\}$`));
    const head = await u.login('truonglv');
    await head.command('e', 'EXAMINE Shared/vpubnd/INBOX');
    expect((await head.command('f', `UID FETCH ${uid} (FLAGS)`))[0]).toMatch(/FLAGS \(\\Seen\)/);
  });

  it("moves a unit message into the delegate's own Archive and copies an own message into the unit, with COPYUID", async () => {
    const uid = await u.deliverToUnit('Công văn chuyển vào lưu trữ', '<luu-tru-1@sotttt.cantho.gov.vn>');
    const annv = await u.login('annv');
    await annv.command('s', 'SELECT Shared/vpubnd/INBOX');
    const moved = await annv.command('m', `UID MOVE ${uid} Archive`);
    expect(moved[0]).toMatch(/^\* OK \[COPYUID \d+ \d+ \d+\] Moved$/);
    expect(moved.at(-1)).toBe('m OK UID MOVE completed');
    await annv.command('s2', 'SELECT Archive');
    const copied = await annv.command('c', 'UID COPY 1:* Shared/vpubnd/Archive');
    expect(copied.at(-1)).toMatch(/^c OK \[COPYUID \d+ [\d:,]+ [\d:,]+\] UID COPY completed$/);
    const rows = u.directory.queryAudit({ subject: UNIT }).filter((r) => r.actor === 'annv@cantho.gov.vn' && (r.action === 'delegate.move' || r.action === 'delegate.copy'));
    expect(rows.map((r) => [r.action, (r.detail as { mailbox: string }).mailbox])).toEqual([
      ['delegate.move', 'INBOX'],
      ['delegate.copy', 'Archive'],
    ]);
    expect(rows[0]!.detail).toMatchObject({ destination: 'Archive', messages: [{ messageId: '<luu-tru-1@sotttt.cantho.gov.vn>', subject: 'Công văn chuyển vào lưu trữ' }] });
    expect(rows[1]!.detail).toMatchObject({ source: 'Archive' });
    // And back: a move from the own Archive into the unit's INBOX.
    const back = await annv.command('b', 'UID MOVE 1 Shared/vpubnd/INBOX');
    expect(back.at(-1)).toBe('b OK UID MOVE completed');
    expect(u.directory.queryAudit({ subject: UNIT }).at(-1)).toMatchObject({ action: 'delegate.move', detail: { mailbox: 'INBOX', source: 'Archive' } });
    // `cantho-mail audit` says which way each went.
    const configFile = path.join(u.server.dataDir, 'cli.toml');
    writeFileSync(configFile, `[server]\ndata_dir = ${JSON.stringify(u.server.dataDir)}\n`);
    const audit = await runCli(['--config', configFile, 'audit', '--subject', 'vpubnd@cantho.gov.vn']);
    const moves = audit.stdout.split('\n').filter((line) => line.includes('<luu-tru-1@') && line.includes('delegate.move'));
    expect(moves.map((line) => line.split('\t').slice(1))).toEqual([
      ['annv@cantho.gov.vn', 'delegate.move', 'vpubnd@cantho.gov.vn', 'INBOX → Archive <luu-tru-1@sotttt.cantho.gov.vn> "Công văn chuyển vào lưu trữ"'],
      ['annv@cantho.gov.vn', 'delegate.move', 'vpubnd@cantho.gov.vn', 'Archive → INBOX <luu-tru-1@sotttt.cantho.gov.vn> "Công văn chuyển vào lưu trữ"'],
    ]);
  });

  it('refuses COPY into the unit without "i", and MOVE out of a folder opened read-only', async () => {
    await u.deliverToUnit('Công văn chỉ đọc');
    const binhtt = await u.login('binhtt');
    await binhtt.command('s', 'SELECT INBOX');
    await u.store.append((await u.store.getMailbox(address('binhtt'), 'INBOX'))!.id, Buffer.from('Subject: x\r\n\r\nx\r\n'));
    await binhtt.command('n', 'NOOP');
    expect(await binhtt.command('c', 'COPY 1 Shared/vpubnd/INBOX')).toEqual(['c NO [NOPERM] You may not insert messages here']);
    await binhtt.command('s', 'SELECT Shared/vpubnd/INBOX');
    expect(await binhtt.command('m', 'MOVE 1 Archive')).toEqual(['m NO [CANNOT] The mailbox is read-only']);
  });
});

describe('IDLE on the unit INBOX', () => {
  it('sees mail delivered to the unit (imapflow)', async () => {
    const client = flow('annv');
    await client.connect();
    try {
      const box = await client.mailboxOpen('Shared/vpubnd/INBOX');
      const before = box.exists;
      const exists = new Promise<number>((resolve) => client.on('exists', (data: { count: number }) => resolve(data.count)));
      const idling = client.idle();
      await new Promise((r) => setTimeout(r, 100));
      await u.deliverToUnit('Công văn mới trong lúc IDLE');
      expect(await Promise.race([exists, new Promise((_, reject) => setTimeout(() => reject(new Error('no EXISTS in 5 s')), 5000))])).toBe(before + 1);
      await client.noop();
      await idling;
    } finally {
      await client.logout();
    }
  });
});

describe('revocation', () => {
  it('ends an open session that has the unit folder selected, and hides the unit from another at its next command', async () => {
    u.server.grant('vpubnd', 'dungdt', { rights: 'lr' });
    const selected = await u.login('dungdt');
    expect((await selected.command('s', 'EXAMINE Shared/vpubnd/INBOX')).at(-1)).toBe('s OK [READ-ONLY] EXAMINE completed');
    const idle = await u.login('dungdt');
    expect((await idle.command('l', 'LIST "" "Shared/%"'))).toEqual(['* LIST (\\Noselect \\HasChildren) "/" Shared/vpubnd', 'l OK LIST completed']);
    u.directory.admin.revokeDelegation('vpubnd', 'dungdt', { actor: 'cli:test', doc: TEST_DOC });
    expect(await selected.readLine()).toBe('* BYE Your rights on the selected mailbox were withdrawn');
    expect(await selected.waitClosed()).toBe(true);
    expect(await idle.command('l', 'LIST "" "Shared/%"')).toEqual(['l OK LIST completed']);
    expect(await idle.command('s', 'SELECT Shared/vpubnd/INBOX')).toEqual(['s NO [NONEXISTENT] No such mailbox']);
  });

  it('applies a `cantho-mail delegate revoke` run in another process at the next command', async () => {
    u.server.grant('vpubnd', 'dungdt', { rights: 'lr' });
    const selected = await u.login('dungdt');
    expect((await selected.command('s', 'EXAMINE Shared/vpubnd/INBOX')).at(-1)).toBe('s OK [READ-ONLY] EXAMINE completed');
    const configFile = path.join(u.server.dataDir, 'cli.toml');
    writeFileSync(configFile, `[server]\ndata_dir = ${JSON.stringify(u.server.dataDir)}\n`);
    const revoked = await runCli(['--config', configFile, 'delegate', 'revoke', 'vpubnd', 'dungdt', '--doc', '88/QĐ-VP']);
    expect(revoked).toEqual({ code: 0, stdout: 'revoked dungdt@cantho.gov.vn on vpubnd@cantho.gov.vn\n', stderr: '' });
    selected.send('f FETCH 1 (FLAGS)\r\n');
    expect(await selected.readLine()).toBe('* BYE Your rights on the selected mailbox were withdrawn');
    expect(await selected.waitClosed()).toBe(true);
    expect(u.directory.queryAudit({ subject: UNIT }).at(-1)).toMatchObject({ action: 'delegate.revoke', doc: '88/QĐ-VP' });
  });
});
