import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addPerson,
  addUnit,
  grantDelegation,
  listDelegations,
  listViolations,
  resetPassword,
  retirePerson,
  revokeDelegation,
  setUnitHead,
  showPerson,
  suspendUnit,
  transferPerson,
} from '../../src/directory/index.js';
import { asAccountId } from '../../src/store/types.js';
import { ADMIN, openTestDirectory, type TestDirectory } from './setup.js';

let t: TestDirectory;
const ctx = () => t.directory.context;
const auditActions = () => t.directory.queryAudit().map((row) => `${row.action} ${row.subject} ${row.doc ?? '-'}`);

beforeEach(async () => {
  t = openTestDirectory();
  await addUnit(ctx(), { localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, { actor: 'cli:test', doc: '1/QĐ-UBND' });
  await addUnit(ctx(), { localPart: 'sotttt', name: 'Sở Thông tin và Truyền thông' }, { actor: 'cli:test', doc: '2/QĐ-UBND' });
});
afterEach(() => t.close());

describe('units and persons', () => {
  it('gives a person and a unit the default folders in the store', async () => {
    const { person } = await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(person.address).toBe('annv@cantho.gov.vn');
    for (const account of ['annv@cantho.gov.vn', 'vpubnd@cantho.gov.vn', 'postmaster@cantho.gov.vn']) {
      expect((await t.store.listMailboxes(asAccountId(account))).map((m) => m.name)).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    }
  });

  it('generates a password of 14 unambiguous characters and sets the must-change flag', async () => {
    const issued = await addPerson(ctx(), { name: 'Trần Thị Đào', unit: 'vpubnd' }, ADMIN);
    expect(issued.password).toMatch(/^[A-HJ-NP-Za-km-np-z2-9]{14}$/);
    expect(issued.person).toMatchObject({ address: 'daott@cantho.gov.vn', mustChangePassword: true, name: 'Trần Thị Đào' });
  });

  it('stores the given password without printing one', async () => {
    const issued = await addPerson(ctx(), { name: 'Lê Ân', unit: 'vpubnd', password: 'một mật khẩu dài' }, ADMIN);
    expect(issued.password).toBeNull();
    expect(issued.person.address).toBe('anl@cantho.gov.vn');
  });

  it('records every change with actor, document and before/after, never a password hash', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd', title: 'Chánh Văn phòng', phone: '0292 3820 123' }, ADMIN);
    transferPerson(ctx(), 'annv', 'sotttt', { actor: 'cli:test', doc: '30/QĐ-SNV' });
    const rows = t.directory.queryAudit({ subject: 'annv@cantho.gov.vn' });
    expect(rows.map((r) => [r.action, r.actor, r.doc])).toEqual([
      ['person.add', 'cli:test', '12/QĐ-VP'],
      ['person.transfer', 'cli:test', '30/QĐ-SNV'],
    ]);
    expect(rows[1]!.before).toMatchObject({ unit: 'vpubnd@cantho.gov.vn' });
    expect(rows[1]!.after).toMatchObject({ unit: 'sotttt@cantho.gov.vn', title: 'Chánh Văn phòng' });
    expect(JSON.stringify(rows)).not.toMatch(/argon2/);
  });

  it('changes nothing when the document reference is missing', async () => {
    const before = auditActions();
    await expect(addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, { actor: 'cli:test', doc: '  ' })).rejects.toMatchObject({
      code: 'missing-doc',
    });
    await expect(addUnit(ctx(), { localPart: 'sonv', name: 'Sở Nội vụ' }, { actor: 'cli:test' })).rejects.toThrow(/missing --doc/);
    expect(auditActions()).toEqual(before);
    expect(t.directory.resolveRecipient('annv@cantho.gov.vn')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses taken, reserved and invalid addresses, case-insensitively', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    await expect(addPerson(ctx(), { name: 'X Y', unit: 'vpubnd', address: 'ANNV' }, ADMIN)).rejects.toThrow(
      'address annv@cantho.gov.vn is already taken',
    );
    await expect(addPerson(ctx(), { name: 'X Y', unit: 'vpubnd', address: 'Postmaster' }, ADMIN)).rejects.toThrow(
      'address postmaster@cantho.gov.vn is reserved',
    );
    await expect(addUnit(ctx(), { localPart: 'VPUBND', name: 'x' }, ADMIN)).rejects.toThrow('address vpubnd@cantho.gov.vn is already taken');
    await expect(addUnit(ctx(), { localPart: 'abuse', name: 'x' }, ADMIN)).rejects.toThrow('address abuse@cantho.gov.vn is reserved');
    await expect(addUnit(ctx(), { localPart: 'so..x', name: 'x' }, ADMIN)).rejects.toThrow('invalid address "so..x": may not contain ".."');
  });

  it('keeps a retired address taken and numbers the next namesake past it', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    retirePerson(ctx(), 'annv', { actor: 'cli:test', doc: '40/QĐ-SNV' });
    const second = await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(second.person.address).toBe('annv2@cantho.gov.vn');
    expect(() => retirePerson(ctx(), 'annv', { actor: 'cli:test', doc: '41' })).toThrow('annv@cantho.gov.vn is retired');
    expect(() => transferPerson(ctx(), 'annv', 'sotttt', { actor: 'cli:test', doc: '41' })).toThrow('annv@cantho.gov.vn is retired');
    expect(t.directory.resolveRecipient('annv@cantho.gov.vn')).toEqual({ ok: false, reason: 'retired' });
  });

  it('ends the delegations and headships of a person who is transferred or retired, with the same document', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    await addPerson(ctx(), { name: 'Trần Thị Đào', unit: 'vpubnd' }, ADMIN);
    setUnitHead(ctx(), 'vpubnd', 'annv', { actor: 'cli:test', doc: '5/QĐ' });
    grantDelegation(ctx(), { unit: 'sotttt', person: 'annv', sendAs: true }, { actor: 'cli:test', doc: '6/QĐ' });
    grantDelegation(ctx(), { unit: 'vpubnd', person: 'daott' }, { actor: 'cli:test', doc: '7/QĐ' });

    transferPerson(ctx(), 'annv', 'sotttt', { actor: 'cli:test', doc: '50/QĐ-SNV' });
    expect(showPerson(ctx(), 'annv')).toMatchObject({ headOf: [], delegations: [] });
    expect(t.directory.queryAudit({ subject: 'sotttt@cantho.gov.vn' }).at(-1)).toMatchObject({ action: 'delegate.revoke', doc: '50/QĐ-SNV' });
    expect(t.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).at(-1)).toMatchObject({
      action: 'unit.set-head',
      doc: '50/QĐ-SNV',
      after: { head: null },
    });

    retirePerson(ctx(), 'daott', { actor: 'cli:test', doc: '51/QĐ-SNV' });
    expect(listDelegations(ctx(), 'vpubnd')).toEqual([]);
  });

  it('writes delegations with canonical RFC 4314 rights', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(grantDelegation(ctx(), { unit: 'vpubnd', person: 'annv' }, ADMIN)).toMatchObject({ rights: 'lrswite', sendAs: false, doc: '12/QĐ-VP' });
    // RFC 4314 §2.1.1: the obsolete "d" stands for "t" and "e".
    expect(grantDelegation(ctx(), { unit: 'vpubnd', person: 'annv', rights: 'lrswited', sendAs: true }, ADMIN)).toMatchObject({
      rights: 'lrswite',
      sendAs: true,
    });
    expect(grantDelegation(ctx(), { unit: 'vpubnd', person: 'annv', rights: 'alr' }, ADMIN).rights).toBe('lra');
    expect(() => grantDelegation(ctx(), { unit: 'vpubnd', person: 'annv', rights: 'lrz' }, ADMIN)).toThrow(/invalid rights "lrz"/);
    revokeDelegation(ctx(), 'vpubnd', 'annv', ADMIN);
    expect(() => revokeDelegation(ctx(), 'vpubnd', 'annv', ADMIN)).toThrow('annv@cantho.gov.vn has no delegation on vpubnd@cantho.gov.vn');
  });

  it('refuses a second suspension and a resume of an active unit', () => {
    suspendUnit(ctx(), 'vpubnd', 'phát tán virus', ADMIN);
    expect(() => suspendUnit(ctx(), 'vpubnd', 'again', ADMIN)).toThrow('vpubnd@cantho.gov.vn is already suspended');
    expect(() => suspendUnit(ctx(), 'sotttt', ' ', ADMIN)).toThrow('the reason (--reason) is empty');
  });

  it('records violations from the admin and from the filters', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    t.directory.recordViolation('annv@cantho.gov.vn', 'gửi thư có virus', { source: 'filter' });
    t.directory.recordViolation('ANNV', 'dùng hộp thư của người khác', { source: 'admin', serious: true, actor: 'cli:test' });
    expect(listViolations(ctx(), 'annv').map((v) => [v.person, v.source, v.serious, v.actor])).toEqual([
      ['annv@cantho.gov.vn', 'filter', false, 'system'],
      ['annv@cantho.gov.vn', 'admin', true, 'cli:test'],
    ]);
    expect(() => t.directory.recordViolation('nobody', 'x', { source: 'filter' })).toThrow('unknown person "nobody"');
    expect(auditActions().filter((a) => a.startsWith('violation.add'))).toHaveLength(2);
  });

  it('refuses a short password from the admin', async () => {
    await addPerson(ctx(), { name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    await expect(resetPassword(ctx(), 'annv', 'ngắn', ADMIN)).rejects.toThrow('the password must have at least 10 characters');
  });
});
