import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/directory/password.js';
import { asAccountId } from '../../src/store/types.js';
import { TEST_ARGON2 } from '../helpers/server.js';
import { ADMIN, openTestDirectory, type TestDirectory } from './setup.js';

let t: TestDirectory;
const admin = () => t.directory.admin;
const auditActions = () => t.directory.queryAudit().map((row) => `${row.action} ${row.subject} ${row.doc ?? '-'}`);

beforeEach(async () => {
  t = openTestDirectory();
  await admin().addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, { actor: 'cli:test', doc: '1/QĐ-UBND' });
  await admin().addUnit({ localPart: 'sotttt', name: 'Sở Thông tin và Truyền thông' }, { actor: 'cli:test', doc: '2/QĐ-UBND' });
});
afterEach(() => t.close());

describe('units and persons', () => {
  it('gives a person and a unit the default folders in the store', async () => {
    const { person } = await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(person.address).toBe('annv@cantho.gov.vn');
    for (const account of ['annv@cantho.gov.vn', 'vpubnd@cantho.gov.vn', 'postmaster@cantho.gov.vn']) {
      expect((await t.store.listMailboxes(asAccountId(account))).map((m) => m.name)).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    }
  });

  it('generates a password of 14 unambiguous characters and sets the must-change flag', async () => {
    const issued = await admin().addPerson({ name: 'Trần Thị Đào', unit: 'vpubnd' }, ADMIN);
    expect(issued.password).toMatch(/^[A-HJ-NP-Za-km-np-z2-9]{14}$/);
    expect(issued.person).toMatchObject({ address: 'daott@cantho.gov.vn', mustChangePassword: true, name: 'Trần Thị Đào' });
  });

  it('stores the given password without printing one', async () => {
    const issued = await admin().addPerson({ name: 'Lê Ân', unit: 'vpubnd', password: 'một mật khẩu dài' }, ADMIN);
    expect(issued.password).toBeNull();
    expect(issued.person.address).toBe('anl@cantho.gov.vn');
  });

  it('records every change with actor, document and before/after, never a password hash', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', title: 'Chánh Văn phòng', phone: '0292 3820 123' }, ADMIN);
    admin().transferPerson('annv', 'sotttt', { actor: 'cli:test', doc: '30/QĐ-SNV' });
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
    await expect(admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, { actor: 'cli:test', doc: '  ' })).rejects.toMatchObject({
      code: 'missing-doc',
    });
    await expect(admin().addUnit({ localPart: 'sonv', name: 'Sở Nội vụ' }, { actor: 'cli:test' })).rejects.toThrow(/missing --doc/);
    expect(auditActions()).toEqual(before);
    expect(t.directory.resolveRecipient('annv@cantho.gov.vn')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses taken, reserved and invalid addresses, case-insensitively', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    await expect(admin().addPerson({ name: 'X Y', unit: 'vpubnd', address: 'ANNV' }, ADMIN)).rejects.toThrow(
      'address annv@cantho.gov.vn is already taken',
    );
    await expect(admin().addPerson({ name: 'X Y', unit: 'vpubnd', address: 'Postmaster' }, ADMIN)).rejects.toThrow(
      'address postmaster@cantho.gov.vn is reserved',
    );
    await expect(admin().addUnit({ localPart: 'VPUBND', name: 'x' }, ADMIN)).rejects.toThrow('address vpubnd@cantho.gov.vn is already taken');
    await expect(admin().addUnit({ localPart: 'abuse', name: 'x' }, ADMIN)).rejects.toThrow('address abuse@cantho.gov.vn is reserved');
    await expect(admin().addUnit({ localPart: 'so..x', name: 'x' }, ADMIN)).rejects.toThrow('invalid address "so..x": may not contain ".."');
  });

  it('keeps a retired address taken and numbers the next namesake past it', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    admin().retirePerson('annv', { actor: 'cli:test', doc: '40/QĐ-SNV' });
    const second = await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(second.person.address).toBe('annv2@cantho.gov.vn');
    expect(() => admin().retirePerson('annv', { actor: 'cli:test', doc: '41' })).toThrow('annv@cantho.gov.vn is retired');
    expect(() => admin().transferPerson('annv', 'sotttt', { actor: 'cli:test', doc: '41' })).toThrow('annv@cantho.gov.vn is retired');
    expect(t.directory.resolveRecipient('annv@cantho.gov.vn')).toEqual({ ok: false, reason: 'retired' });
  });

  it('ends the delegations and headships of a person who is transferred or retired, with the same document', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    await admin().addPerson({ name: 'Trần Thị Đào', unit: 'vpubnd' }, ADMIN);
    admin().setUnitHead('vpubnd', 'annv', { actor: 'cli:test', doc: '5/QĐ' });
    admin().grantDelegation({ unit: 'sotttt', person: 'annv', sendAs: true }, { actor: 'cli:test', doc: '6/QĐ' });
    admin().grantDelegation({ unit: 'vpubnd', person: 'daott' }, { actor: 'cli:test', doc: '7/QĐ' });

    admin().transferPerson('annv', 'sotttt', { actor: 'cli:test', doc: '50/QĐ-SNV' });
    expect(admin().showPerson('annv')).toMatchObject({ headOf: [], delegations: [] });
    expect(t.directory.queryAudit({ subject: 'sotttt@cantho.gov.vn' }).at(-1)).toMatchObject({ action: 'delegate.revoke', doc: '50/QĐ-SNV' });
    expect(t.directory.queryAudit({ subject: 'vpubnd@cantho.gov.vn' }).at(-1)).toMatchObject({
      action: 'unit.set-head',
      doc: '50/QĐ-SNV',
      after: { head: null },
    });

    admin().retirePerson('daott', { actor: 'cli:test', doc: '51/QĐ-SNV' });
    expect(admin().listDelegations('vpubnd')).toEqual([]);
  });

  it('writes delegations with canonical RFC 4314 rights', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(admin().grantDelegation({ unit: 'vpubnd', person: 'annv' }, ADMIN)).toMatchObject({ rights: 'lrswite', sendAs: false, doc: '12/QĐ-VP' });
    // RFC 4314 §2.1.1: the obsolete "d" stands for "t" and "e".
    expect(admin().grantDelegation({ unit: 'vpubnd', person: 'annv', rights: 'lrswited', sendAs: true }, ADMIN)).toMatchObject({
      rights: 'lrswite',
      sendAs: true,
    });
    expect(admin().grantDelegation({ unit: 'vpubnd', person: 'annv', rights: 'alr' }, ADMIN).rights).toBe('lra');
    expect(() => admin().grantDelegation({ unit: 'vpubnd', person: 'annv', rights: 'lrz' }, ADMIN)).toThrow(/invalid rights "lrz"/);
    admin().revokeDelegation('vpubnd', 'annv', ADMIN);
    expect(() => admin().revokeDelegation('vpubnd', 'annv', ADMIN)).toThrow('annv@cantho.gov.vn has no delegation on vpubnd@cantho.gov.vn');
  });

  it('refuses a second suspension and a resume of an active unit', () => {
    admin().suspendUnit('vpubnd', 'phát tán virus', ADMIN);
    expect(() => admin().suspendUnit('vpubnd', 'again', ADMIN)).toThrow('vpubnd@cantho.gov.vn is already suspended');
    expect(() => admin().suspendUnit('sotttt', ' ', ADMIN)).toThrow('the reason (--reason) is empty');
  });

  it('records violations from the admin and from the filters', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    t.directory.recordViolation('annv@cantho.gov.vn', 'gửi thư có virus', { source: 'filter' });
    t.directory.recordViolation('ANNV', 'dùng hộp thư của người khác', { source: 'admin', serious: true, actor: 'cli:test' });
    expect(admin().listViolations('annv').map((v) => [v.person, v.source, v.serious, v.actor])).toEqual([
      ['annv@cantho.gov.vn', 'filter', false, 'system'],
      ['annv@cantho.gov.vn', 'admin', true, 'cli:test'],
    ]);
    expect(() => t.directory.recordViolation('nobody', 'x', { source: 'filter' })).toThrow('unknown person "nobody"');
    expect(auditActions().filter((a) => a.startsWith('violation.add'))).toHaveLength(2);
  });

  it('refuses a short password from the admin', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    await expect(admin().resetPassword('annv', 'ngắn', ADMIN)).rejects.toThrow('the password must have at least 10 characters');
  });

  it('adds a roster in one change, and none of it when one person is refused', async () => {
    const issued = await admin().addPersons([{ name: 'Nguyễn Văn An', unit: 'vpubnd' }, { name: 'Nguyễn Văn An', unit: 'sotttt' }], ADMIN);
    expect(issued.map((i) => i.person.address)).toEqual(['annv@cantho.gov.vn', 'annv2@cantho.gov.vn']);
    // The second takes the address the first was given in the same transaction: both are undone.
    const roster = [{ name: 'Trần Thị Đào', unit: 'vpubnd', address: 'daott' }, { name: 'Đỗ Thị Đào', unit: 'sotttt', address: 'daott' }];
    await expect(admin().addPersons(roster, ADMIN)).rejects.toThrow('address daott@cantho.gov.vn is already taken');
    expect(admin().listPersons().map((p) => p.address)).toEqual(['annv@cantho.gov.vn', 'annv2@cantho.gov.vn']);
  });

  it('takes an argon2id hash from the system being replaced: the official keeps their password', async () => {
    await admin().addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    expect(() => admin().importPasswordHash('annv', '{SSHA}abcdef', ADMIN)).toThrow('the password hash is not an argon2id PHC string');
    admin().importPasswordHash('annv', await hashPassword('mật khẩu hệ thống cũ', TEST_ARGON2), ADMIN);
    const login = await t.directory.verifyLogin('annv', 'mật khẩu hệ thống cũ', { protocol: 'imap', ip: '127.0.0.1' });
    expect(login).toMatchObject({ ok: true });
    expect(auditActions().slice(-2)).toEqual(['person.password-import annv@cantho.gov.vn 12/QĐ-VP', 'login.ok annv@cantho.gov.vn -']);
  });
});
