import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AclChange } from '../../src/directory/index.js';
import { ALL_RIGHTS, DirectoryError } from '../../src/directory/types.js';
import { asAccountId } from '../../src/store/types.js';
import { ADMIN, openTestDirectory, type TestDirectory } from '../directory/setup.js';

/**
 * The rights matrix as a table test (docs/architecture.md "Unit mailboxes"): who holds which RFC 4314 rights on the unit
 * mailbox vpubnd, who sees it, who may send as it, and who may open it with `vpubnd*person`,
 * for the head, two delegates, a member of the unit without a delegation, an outsider, a retired
 * delegate and a delegate of a suspended unit.
 */

const PASSWORD = 'mật khẩu thử 2026';
const VPUBND = asAccountId('vpubnd@cantho.gov.vn');
const IMAP = { protocol: 'imap', ip: '192.0.2.7' } as const;

let t: TestDirectory;

beforeEach(async () => {
  t = openTestDirectory({ policy: { require_password_change: false } });
  const admin = t.directory.admin;
  await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  await admin.addUnit({ localPart: 'sotttt', name: 'Sở Thông tin và Truyền thông' }, ADMIN);
  await admin.addUnit({ localPart: 'sotc', name: 'Sở Tài chính' }, ADMIN);
  for (const [name, unit, address] of [
    ['Lê Văn Trưởng', 'vpubnd', 'truonglv'],
    ['Nguyễn Văn An', 'vpubnd', 'annv'],
    ['Trần Thị Bình', 'vpubnd', 'binhtt'],
    ['Phạm Văn Cường', 'vpubnd', 'cuongpv'],
    ['Đỗ Thị Dung', 'sotttt', 'dungdt'],
    ['Võ Văn Em', 'vpubnd', 'emvv'],
    ['Hồ Thị Giang', 'sotc', 'gianght'],
  ] as const) {
    await admin.addPerson({ name, unit, address, password: PASSWORD }, ADMIN);
  }
  await admin.addUnit({ localPart: 'phongkt', name: 'Phòng Kế toán', head: 'gianght' }, ADMIN);
  // vpubnd: head truonglv; annv default rights with send-as; binhtt read-only; emvv will retire.
  admin.setUnitHead('vpubnd', 'truonglv', ADMIN);
  admin.grantDelegation({ unit: 'vpubnd', person: 'annv', sendAs: true }, ADMIN);
  admin.grantDelegation({ unit: 'vpubnd', person: 'binhtt', rights: 'lr' }, ADMIN);
  admin.grantDelegation({ unit: 'vpubnd', person: 'emvv', rights: 'lrs' }, ADMIN);
  admin.retirePerson('emvv', ADMIN);
  // A delegate of a suspended unit keeps the row but loses access.
  admin.grantDelegation({ unit: 'phongkt', person: 'dungdt', rights: 'lrswite' }, ADMIN);
  admin.suspendUnit('phongkt', 'thử', ADMIN);
});
afterEach(() => t.close());

const person = (local: string) => asAccountId(`${local}@cantho.gov.vn`);

describe('rights on the unit mailbox vpubnd', () => {
  it.each([
    // who,        role,                         rights,        sees, send-as, vpubnd*who login
    ['truonglv', 'head of the unit', ALL_RIGHTS, true, true, 'ok'],
    ['annv', 'delegate, default rights, send-as', 'lrswite', true, true, 'ok'],
    ['binhtt', 'delegate, read only', 'lr', true, false, 'ok'],
    ['cuongpv', 'member without delegation', '', false, false, 'bad-credentials'],
    ['dungdt', 'outsider', '', false, false, 'bad-credentials'],
    // Retirement ended the delegation; the right password learns only "retired" (IMAP words it as bad credentials).
    ['emvv', 'retired delegate', '', false, false, 'retired'],
  ] as const)('%s (%s): rights "%s"', async (who, _role, rights, sees, sendAs, login) => {
    const d = t.directory;
    expect(d.rightsOn(person(who), VPUBND)).toBe(rights);
    expect(d.unitAccess(person(who)).some((a) => a.unit === VPUBND)).toBe(sees);
    expect(d.canSendAs(person(who), 'vpubnd@cantho.gov.vn')).toBe(sendAs);
    const result = await d.verifyLogin(`vpubnd*${who}`, PASSWORD, IMAP);
    if (login === 'ok') {
      expect(result).toMatchObject({ ok: true, identity: { person: person(who), account: VPUBND, rights } });
    } else {
      // docs/architecture.md "Unit mailboxes": without rights, the answer of a wrong password.
      expect(result).toMatchObject({ ok: false, reason: login });
    }
  });

  it('gives a delegate of a suspended unit nothing while the suspension lasts', async () => {
    const d = t.directory;
    const unit = asAccountId('phongkt@cantho.gov.vn');
    expect(d.rightsOn(person('dungdt'), unit)).toBe('lrswite');
    expect(d.unitAccess(person('dungdt'))).toEqual([]);
    expect(d.canSendAs(person('dungdt'), unit)).toBe(false);
    expect(await d.verifyLogin('phongkt*dungdt', PASSWORD, IMAP)).toMatchObject({ ok: false, reason: 'suspended' });
  });

  it('lists what each person sees, with seen mode and send-as', () => {
    expect(t.directory.unitAccess(person('annv'))).toEqual([
      { unit: VPUBND, unitName: 'Văn phòng UBND thành phố', rights: 'lrswite', sendAs: true, seenMode: 'shared' },
    ]);
    expect(t.directory.unitAccess(person('truonglv'))).toMatchObject([{ unit: VPUBND, rights: ALL_RIGHTS, sendAs: true }]);
  });

  it('ends the delegations of a transferred person, recorded with the same document', () => {
    t.directory.admin.transferPerson('annv', 'sotttt', { actor: 'cli:test', doc: '77/QĐ-CT' });
    expect(t.directory.rightsOn(person('annv'), VPUBND)).toBe('');
    const revoke = t.directory.queryAudit({ subject: VPUBND }).filter((r) => r.action === 'delegate.revoke');
    expect(revoke.map((r) => [r.doc, (r.before as { person: string }).person])).toEqual([
      ['12/QĐ-VP', 'emvv@cantho.gov.vn'],
      ['77/QĐ-CT', 'annv@cantho.gov.vn'],
    ]);
  });
});

describe('ACL changes (IMAP SETACL/DELETEACL) write what `delegate grant|revoke` writes', () => {
  const change = (identifier: string, c: AclChange, actor = 'truonglv') => t.directory.changeAcl(person(actor), VPUBND, identifier, c);

  it.each([
    // before (binhtt), change,                               after
    ['lr', { kind: 'set', rights: 'lrs' }, 'lrs'],
    ['lr', { kind: 'add', rights: 'wi' }, 'lrwi'],
    ['lr', { kind: 'remove', rights: 'r' }, 'l'],
    ['lr', { kind: 'set', rights: 'lrd' }, 'lrte'], // RFC 4314 §2.1.1: "d" is "t" and "e"
    ['lr', { kind: 'add', rights: 'c' }, 'lrk'], // and "c" is "k"
    ['lr', { kind: 'remove', rights: 'lr' }, ''],
    ['lr', { kind: 'set', rights: '' }, ''],
    ['lr', { kind: 'delete' }, ''],
  ] as const)('%s then %j gives "%s"', (_before, c, after) => {
    change('binhtt', c);
    expect(t.directory.rightsOn(person('binhtt'), VPUBND)).toBe(after);
    const last = t.directory.queryAudit({ subject: VPUBND }).at(-1)!;
    expect(last).toMatchObject({ actor: 'truonglv@cantho.gov.vn', action: after === '' ? 'delegate.revoke' : 'delegate.grant' });
    expect(last.doc).toMatch(/^IMAP (SETACL|DELETEACL)$/);
  });

  it('keeps send-as when the rights change, and grants a newcomer', () => {
    change('annv', { kind: 'remove', rights: 'w' });
    expect(t.directory.acl(VPUBND)).toEqual([
      { identifier: 'truonglv@cantho.gov.vn', rights: ALL_RIGHTS },
      { identifier: 'annv@cantho.gov.vn', rights: 'lrsite' },
      { identifier: 'binhtt@cantho.gov.vn', rights: 'lr' },
    ]);
    expect(t.directory.canSendAs(person('annv'), VPUBND)).toBe(true);
    change('cuongpv@cantho.gov.vn', { kind: 'set', rights: 'lr' });
    expect(t.directory.rightsOn(person('cuongpv'), VPUBND)).toBe('lr');
  });

  it.each([
    ['the head', 'truonglv', { kind: 'set', rights: 'lr' }, 'invalid-input'],
    ['an unknown person', 'khongco', { kind: 'set', rights: 'lr' }, 'unknown-person'],
    ['a retired person', 'emvv', { kind: 'set', rights: 'lr' }, 'already-retired'],
    ['an unknown right', 'binhtt', { kind: 'set', rights: 'lrz' }, 'invalid-rights'],
    ['an implementation right digit', 'binhtt', { kind: 'add', rights: '0' }, 'invalid-rights'],
  ] as const)('refuses %s and changes nothing', (_what, identifier, c, code) => {
    const before = t.directory.queryAudit().length;
    expect(() => change(identifier, c)).toThrow(expect.objectContaining({ code }) as unknown as DirectoryError);
    expect(t.directory.queryAudit().length).toBe(before);
    expect(t.directory.rightsOn(person('binhtt'), VPUBND)).toBe('lr');
  });

  it('refuses ACL changes on personal mailboxes', () => {
    expect(() => t.directory.changeAcl(person('annv'), person('annv'), 'binhtt', { kind: 'set', rights: 'lr' })).toThrow(DirectoryError);
    expect(t.directory.acl(person('annv'))).toEqual([{ identifier: 'annv@cantho.gov.vn', rights: ALL_RIGHTS }]);
  });
});
