import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, UNIT, address, startUnitServer, unitMessage, type UnitServer } from './support.js';

/**
 * docs/architecture.md "Unit mailboxes", bad input: no existence leak to an outsider, and each missing right refused with
 * NO [NOPERM] (RFC 5530) — x for DELETE, t/e for expunging, a for ACL changes — and `unit*person`
 * without rights answered like a wrong password.
 */

let u: UnitServer;
beforeAll(async () => {
  u = await startUnitServer();
  await u.deliverToUnit('Công văn bí mật của đơn vị');
  const own = (await u.store.getMailbox(address('dungdt'), 'INBOX'))!;
  await u.store.append(own.id, unitMessage('Thư của Dung'));
});
afterAll(() => u.close());
afterEach(() => u.closeClients());

describe('an outsider gets, for a unit folder, the answer for a mailbox that does not exist', () => {
  // `{box}` is Shared/vpubnd/INBOX (exists, no rights) and then Shared/khongco/INBOX (no such unit).
  it.each([
    ['LIST', 'LIST "" "{box}"', ['t OK LIST completed']],
    ['LIST with a wildcard', 'LIST "" "{unit}/*"', ['t OK LIST completed']],
    ['LSUB', 'LSUB "" "{unit}/*"', ['t OK LSUB completed']],
    ['STATUS', 'STATUS {box} (MESSAGES UNSEEN)', ['t NO [NONEXISTENT] No such mailbox']],
    ['SELECT', 'SELECT {box}', ['t NO [NONEXISTENT] No such mailbox']],
    ['EXAMINE', 'EXAMINE {box}', ['t NO [NONEXISTENT] No such mailbox']],
    ['APPEND', 'APPEND {box} {5+}\r\nHello', ['t NO [TRYCREATE] No such mailbox']],
    ['COPY into', 'COPY 1 {box}', ['t NO [TRYCREATE] No such mailbox']],
    ['MOVE into', 'MOVE 1 {box}', ['t NO [TRYCREATE] No such mailbox']],
    ['UID MOVE into', 'UID MOVE 1 {box}', ['t NO [TRYCREATE] No such mailbox']],
    ['DELETE', 'DELETE {box}', ['t NO [NONEXISTENT] No such mailbox']],
    ['RENAME from', 'RENAME {box} Lay', ['t NO [NONEXISTENT] No such mailbox']],
    ['RENAME into', 'RENAME Archive {unit}/Archive2', ['t NO [CANNOT] Mailboxes cannot be created there']],
    ['CREATE', 'CREATE {unit}/Moi', ['t NO [CANNOT] Mailboxes cannot be created there']],
    ['SETACL', 'SETACL {box} dungdt lrswipkxtea', ['t NO [NONEXISTENT] No such mailbox']],
    ['DELETEACL', 'DELETEACL {box} annv', ['t NO [NONEXISTENT] No such mailbox']],
    ['GETACL', 'GETACL {box}', ['t NO [NONEXISTENT] No such mailbox']],
    ['LISTRIGHTS', 'LISTRIGHTS {box} dungdt', ['t NO [NONEXISTENT] No such mailbox']],
    ['MYRIGHTS', 'MYRIGHTS {box}', ['t NO [NONEXISTENT] No such mailbox']],
    ['GETQUOTAROOT', 'GETQUOTAROOT {box}', ['t NO [NONEXISTENT] No such mailbox']],
  ])('%s', async (_name, template, expected) => {
    const dungdt = await u.login('dungdt');
    const answers: string[][] = [];
    for (const unit of ['Shared/vpubnd', 'Shared/khongco']) {
      // COPY and MOVE come from the outsider's own INBOX; everything else runs unselected.
      if (/^(UID )?(COPY|MOVE)/.test(template)) await dungdt.command('s', 'SELECT INBOX');
      else await dungdt.command('u', 'UNSELECT');
      answers.push(await dungdt.command('t', template.replaceAll('{box}', `${unit}/INBOX`).replaceAll('{unit}', unit)));
    }
    expect(answers[0]).toEqual(expected);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('FETCH after the refused SELECT has no mailbox either way, and the unit mailbox is untouched and unaudited', async () => {
    const dungdt = await u.login('dungdt');
    for (const unit of ['vpubnd', 'khongco']) {
      await dungdt.command('s', `SELECT Shared/${unit}/INBOX`);
      expect(await dungdt.command('f', 'FETCH 1 BODY[]')).toEqual(['f BAD FETCH is not valid in the authenticated state']);
    }
    expect((await u.store.mailboxCounts((await u.store.getMailbox(UNIT, 'INBOX'))!.id)).messages).toBe(1);
    expect(u.directory.queryAudit({ subject: UNIT }).filter((r) => r.actor === 'dungdt@cantho.gov.vn')).toEqual([]);
  });
});

describe('rights a delegate lacks', () => {
  it('without "x" annv cannot delete or rename a unit folder; the head can', async () => {
    const head = await u.login('truonglv');
    expect(await head.command('c', 'CREATE Shared/vpubnd/Tam')).toEqual(['c OK CREATE completed']);
    const annv = await u.login('annv');
    expect(await annv.command('d', 'DELETE Shared/vpubnd/Tam')).toEqual(['d NO [NOPERM] You may not delete this mailbox']);
    expect(await annv.command('r', 'RENAME Shared/vpubnd/Tam Shared/vpubnd/Khac')).toEqual(['r NO [NOPERM] You may not rename this mailbox']);
    expect(await annv.command('c', 'CREATE Shared/vpubnd/CuaAn')).toEqual(['c NO [NOPERM] You may not create mailboxes here']);
    expect(await head.command('d', 'DELETE Shared/vpubnd/Tam')).toEqual(['d OK DELETE completed']);
    expect(u.directory.queryAudit({ subject: UNIT }).filter((r) => r.action.endsWith('-mailbox')).map((r) => [r.actor, r.action])).toEqual([
      ['truonglv@cantho.gov.vn', 'delegate.create-mailbox'],
      ['truonglv@cantho.gov.vn', 'delegate.delete-mailbox'],
    ]);
  });

  it('without "t" and "e" a delegate cannot mark \\Deleted nor expunge (rights set with SETACL by the head)', async () => {
    const head = await u.login('truonglv');
    expect(await head.command('a', 'SETACL Shared/vpubnd/INBOX binhtt lrswi')).toEqual(['a OK SETACL completed']);
    const binhtt = await u.login('binhtt');
    expect((await binhtt.command('s', 'SELECT Shared/vpubnd/INBOX')).at(-1)).toBe('s OK [READ-WRITE] SELECT completed');
    expect(await binhtt.command('t', 'STORE 1 +FLAGS (\\Deleted)')).toEqual(['t NO [NOPERM] You may not change \\Deleted here']);
    expect(await binhtt.command('w', 'STORE 1 +FLAGS.SILENT (\\Flagged)')).toEqual(['w OK STORE completed']);
    // The head marks it; the delegate still may not remove it.
    await head.command('s', 'SELECT Shared/vpubnd/INBOX');
    expect(await head.command('t', 'STORE 1 +FLAGS.SILENT (\\Deleted)')).toEqual(['t OK STORE completed']);
    expect(await binhtt.command('e', 'EXPUNGE')).toEqual(['* 1 FETCH (UID 1 FLAGS (\\Flagged \\Deleted \\Recent))', 'e NO [NOPERM] You may not expunge messages here']);
    expect(await binhtt.command('e', 'UID EXPUNGE 1')).toEqual(['e NO [NOPERM] You may not expunge messages here']);
    // RFC 4314 §4: CLOSE without "e" closes without expunging.
    expect(await binhtt.command('c', 'CLOSE')).toEqual(['c OK CLOSE completed']);
    expect((await u.store.mailboxCounts((await u.store.getMailbox(UNIT, 'INBOX'))!.id)).messages).toBe(1);
    await head.command('t', 'STORE 1 -FLAGS.SILENT (\\Deleted)');
    expect(await head.command('a', 'SETACL Shared/vpubnd/INBOX binhtt lr')).toEqual(['a OK SETACL completed']);
  });

  it('without "a" a delegate cannot read or change the ACL', async () => {
    const annv = await u.login('annv');
    for (const command of ['SETACL Shared/vpubnd/INBOX binhtt +w', 'DELETEACL Shared/vpubnd/INBOX binhtt', 'GETACL Shared/vpubnd/INBOX', 'LISTRIGHTS Shared/vpubnd/INBOX binhtt']) {
      expect(await annv.command('a', command)).toEqual(['a NO [NOPERM] You may not administer the access rights of this mailbox']);
    }
    expect(u.directory.admin.listDelegations('vpubnd').map((d) => [d.person, d.rights])).toEqual([
      ['annv@cantho.gov.vn', 'lrswite'],
      ['binhtt@cantho.gov.vn', 'lr'],
    ]);
  });
});

describe('ACL commands of the head (RFC 4314 §3)', () => {
  it('GETACL, LISTRIGHTS and MYRIGHTS answer exactly', async () => {
    const head = await u.login('truonglv');
    expect(await head.command('g', 'GETACL Shared/vpubnd/Sent')).toEqual([
      '* ACL Shared/vpubnd/Sent truonglv@cantho.gov.vn lrswipkxtea annv@cantho.gov.vn lrswite binhtt@cantho.gov.vn lr',
      'g OK GETACL completed',
    ]);
    expect(await head.command('l', 'LISTRIGHTS Shared/vpubnd/INBOX annv')).toEqual(['* LISTRIGHTS Shared/vpubnd/INBOX annv "" l r s w i p k x t e a', 'l OK LISTRIGHTS completed']);
    expect(await head.command('l', 'LISTRIGHTS Shared/vpubnd/INBOX truonglv@cantho.gov.vn')).toEqual([
      '* LISTRIGHTS Shared/vpubnd/INBOX truonglv@cantho.gov.vn lrswipkxtea',
      'l OK LISTRIGHTS completed',
    ]);
    expect(await head.command('m', 'MYRIGHTS INBOX')).toEqual(['* MYRIGHTS INBOX lrswipkxtea', 'm OK MYRIGHTS completed']);
  });

  it('SETACL and DELETEACL write what `delegate grant|revoke` writes', async () => {
    const head = await u.login('truonglv');
    expect(await head.command('a', 'SETACL Shared/vpubnd/INBOX dungdt@cantho.gov.vn lr')).toEqual(['a OK SETACL completed']);
    expect(await head.command('a', 'SETACL Shared/vpubnd/Archive dungdt +ic')).toEqual(['a OK SETACL completed']);
    expect(u.directory.admin.listDelegations('vpubnd').find((d) => d.person === 'dungdt@cantho.gov.vn')).toMatchObject({ rights: 'lrik', doc: 'IMAP SETACL', grantedBy: 'truonglv@cantho.gov.vn' });
    expect(await head.command('d', 'DELETEACL Shared/vpubnd/INBOX dungdt')).toEqual(['d OK DELETEACL completed']);
    const rows = u.directory.queryAudit({ subject: UNIT }).filter((r) => r.actor === 'truonglv@cantho.gov.vn' && r.action.startsWith('delegate.') && r.doc !== null);
    expect(rows.slice(-3).map((r) => [r.action, r.doc, (r.after as { rights?: string } | null)?.rights ?? null])).toEqual([
      ['delegate.grant', 'IMAP SETACL', 'lr'],
      ['delegate.grant', 'IMAP SETACL', 'lrik'],
      ['delegate.revoke', 'IMAP DELETEACL', null],
    ]);
  });

  it.each([
    ['SETACL Shared/vpubnd/INBOX binhtt lrz', 'a BAD invalid rights "lrz": letters are "lrswipkxtea" (RFC 4314)'],
    ['SETACL Shared/vpubnd/INBOX anyone lr', 'a NO [CANNOT] Rights are granted to named officials only (no "anyone", no negative rights)'],
    ['SETACL Shared/vpubnd/INBOX -binhtt r', 'a NO [CANNOT] Rights are granted to named officials only (no "anyone", no negative rights)'],
    ['SETACL Shared/vpubnd/INBOX truonglv lr', 'a NO [CANNOT] truonglv@cantho.gov.vn heads vpubnd@cantho.gov.vn and holds every right'],
    ['SETACL Shared/vpubnd/INBOX khongco lr', 'a NO unknown person "khongco"'],
    ['SETACL INBOX binhtt lr', 'a NO [CANNOT] personal mailboxes are not shared: only a unit mailbox has delegates'],
  ])('%s is refused', async (command, answer) => {
    const head = await u.login('truonglv');
    expect(await head.command('a', command)).toEqual([answer]);
    expect(u.directory.admin.listDelegations('vpubnd').find((d) => d.person === 'binhtt@cantho.gov.vn')?.rights).toBe('lr');
  });
});

describe('unit*person login without rights', () => {
  it('fails exactly like a wrong password', async () => {
    const answers: string[][] = [];
    for (const [user, password] of [
      ['vpubnd*dungdt', PASSWORD],
      ['dungdt', 'sai-mat-khau-2026'],
      ['vpubnd*khongco', PASSWORD],
    ]) {
      const fresh = await u.connect();
      answers.push(await fresh.command('L', `LOGIN "${user}" "${password}"`));
    }
    expect(answers[0]).toEqual(['L NO [AUTHENTICATIONFAILED] Invalid credentials']);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });
});
