import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/directory/password.js';
import { createCliFixture, type CliFixture } from './cli-helpers.js';
import { TEST_ARGON2 } from '../helpers/server.js';

let cli: CliFixture;

beforeAll(async () => {
  cli = createCliFixture();
  const unit = await cli.run(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND']);
  expect(unit).toEqual({ code: 0, stdout: 'added vpubnd@cantho.gov.vn\n', stderr: '' });
});
afterAll(() => cli.remove());

describe('cantho-mail person add (DESIGN.md "CLI", "Data")', () => {
  it('gives annv, then annv2, each with a password printed once, and audits both with their document', async () => {
    const first = await cli.run(['person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '12/QĐ-VP', '--json']);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const annv = JSON.parse(first.stdout);
    expect(annv).toMatchObject({ address: 'annv@cantho.gov.vn', name: 'Nguyễn Văn An', unit: 'vpubnd@cantho.gov.vn', mustChangePassword: true });
    expect(annv.password).toMatch(/^[A-HJ-NP-Za-km-np-z2-9]{14}$/);

    const second = await cli.run(['person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '12/QĐ-VP', '--json']);
    const annv2 = JSON.parse(second.stdout);
    expect(annv2.address).toBe('annv2@cantho.gov.vn');
    expect(annv2.password).not.toBe(annv.password);

    const audit = await cli.run(['audit', '--json']);
    expect(audit.code).toBe(0);
    const adds = JSON.parse(audit.stdout).filter((row: { action: string }) => row.action === 'person.add');
    expect(adds.map((row: { subject: string; doc: string }) => [row.subject, row.doc])).toEqual([
      ['annv@cantho.gov.vn', '12/QĐ-VP'],
      ['annv2@cantho.gov.vn', '12/QĐ-VP'],
    ]);
    expect(audit.stdout).not.toContain(annv.password);
  });

  it('prints the address and password as text without --json', async () => {
    const result = await cli.run(['person', 'add', '--name', 'Trần Thị Đào', '--unit', 'vpubnd', '--doc', '13/QĐ-VP', '--title', 'Chuyên viên']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^added daott@cantho\.gov\.vn\npassword: [A-HJ-NP-Za-km-np-z2-9]{14}\n$/);
  });

  it('takes the password from stdin and never prints it', async () => {
    // Its own process: the password comes through a real pipe.
    const result = await cli.spawn(
      ['person', 'add', '--name', 'Lê Ân', '--unit', 'vpubnd', '--address', 'An.Le', '--doc', '14/QĐ-VP', '--password-stdin', '--json'],
      'mật khẩu ban đầu 2026\n',
    );
    expect(result.code).toBe(0);
    const person = JSON.parse(result.stdout);
    expect(person.address).toBe('an.le@cantho.gov.vn');
    expect(person).not.toHaveProperty('password');
  });

  it('shows and lists persons', async () => {
    const show = await cli.run(['person', 'show', 'DAOTT@cantho.gov.vn', '--json']);
    expect(JSON.parse(show.stdout)).toMatchObject({ address: 'daott@cantho.gov.vn', title: 'Chuyên viên', status: 'active', headOf: [], delegations: [] });
    const list = await cli.run(['person', 'list', '--unit', 'vpubnd', '--json']);
    expect(JSON.parse(list.stdout).map((p: { address: string }) => p.address)).toEqual([
      'an.le@cantho.gov.vn',
      'annv@cantho.gov.vn',
      'annv2@cantho.gov.vn',
      'daott@cantho.gov.vn',
    ]);
    const text = await cli.run(['person', 'show', 'daott']);
    expect(text.stdout).toContain('address: daott@cantho.gov.vn\nname: Trần Thị Đào\nunit: vpubnd@cantho.gov.vn\ntitle: Chuyên viên\n');
  });

  it('imports the argon2id hash of the old system (Dovecot\'s {ARGON2ID} scheme too) from stdin, and refuses anything else', async () => {
    const hash = await hashPassword('mật khẩu hệ thống cũ 2025', TEST_ARGON2);
    const imported = await cli.run(['person', 'password-import', 'daott', '--doc', '15/QĐ-VP'], `{ARGON2ID}${hash}\n`);
    expect(imported).toEqual({ code: 0, stdout: 'password hash imported for daott@cantho.gov.vn\n', stderr: '' });
    expect(await cli.run(['person', 'password-import', 'daott', '--doc', '15/QĐ-VP'], '{SSHA}abcdef')).toMatchObject({ code: 1, stderr: expect.stringContaining('not an argon2id PHC string') });
    const audit = JSON.parse((await cli.run(['audit', '--json'])).stdout) as Array<{ action: string; subject: string; doc: string }>;
    expect(audit.filter((r) => r.action === 'person.password-import').map((r) => [r.subject, r.doc])).toEqual([['daott@cantho.gov.vn', '15/QĐ-VP']]);
    expect(JSON.stringify(audit)).not.toContain(hash);
  });

  it('resets a password: a new generated one, or one from stdin', async () => {
    const generated = await cli.run(['person', 'password-reset', 'annv2', '--json']);
    expect(JSON.parse(generated.stdout)).toMatchObject({ address: 'annv2@cantho.gov.vn', mustChangePassword: true, password: expect.any(String) });
    const given = await cli.run(['person', 'password-reset', 'annv2', '--password-stdin'], 'một mật khẩu khác hẳn');
    expect(given).toEqual({ code: 0, stdout: 'new password for annv2@cantho.gov.vn\n', stderr: '' });
    const audit = JSON.parse((await cli.run(['audit', '--subject', 'annv2', '--json'])).stdout);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(['person.add', 'person.password-reset', 'person.password-reset']);
  });
});

describe('two admins at once', () => {
  it('never gives the same address twice', async () => {
    const [a, b] = await Promise.all(
      // Two processes, two connections to the database: the uniqueness holds across processes.
      [1, 2].map(() => cli.spawn(['person', 'add', '--name', 'Phạm Minh Chính', '--unit', 'vpubnd', '--doc', '15/QĐ-VP', '--json'])),
    );
    expect([a!.code, b!.code]).toEqual([0, 0]);
    expect([JSON.parse(a!.stdout).address, JSON.parse(b!.stdout).address].sort()).toEqual(['chinhpm2@cantho.gov.vn', 'chinhpm@cantho.gov.vn']);
  });
});
