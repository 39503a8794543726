import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { Directory } from '../../src/directory/index.js';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { createCliFixture, type CliFixture } from './cli-helpers.js';

let cli: CliFixture;

beforeAll(async () => {
  cli = createCliFixture('[policy]\nrequire_password_change = false\n');
  await cli.json(['unit', 'add', 'vpubnd', '--name', 'Văn phòng UBND thành phố', '--doc', '1/QĐ-UBND']);
  await cli.json(['unit', 'add', 'sotttt', '--name', 'Sở Thông tin và Truyền thông', '--doc', '2/QĐ-UBND']);
  await cli.json(['person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '12/QĐ-VP', '--password-stdin'], 'mật khẩu ban đầu 2026');
  await cli.json(['person', 'add', '--name', 'Trần Thị Đào', '--unit', 'vpubnd', '--doc', '13/QĐ-VP']);
});
afterAll(() => cli.remove());

describe('unit, delegate, violation and audit commands', () => {
  it('sets a head, lists and shows units', async () => {
    expect(await cli.json(['unit', 'set-head', 'vpubnd', 'annv', '--doc', '3/QĐ-UBND'])).toMatchObject({ head: 'annv@cantho.gov.vn' });
    expect(await cli.json(['unit', 'add', 'phongtchc', '--name', 'Phòng Tổ chức - Hành chính', '--parent', 'vpubnd', '--head', 'daott', '--doc', '4'])).toMatchObject({
      address: 'phongtchc@cantho.gov.vn',
      parent: 'vpubnd@cantho.gov.vn',
      head: 'daott@cantho.gov.vn',
    });
    const units = await cli.json(['unit', 'list']);
    // The command as its own process prints the same document.
    const inItsOwnProcess = await cli.spawn(['unit', 'list', '--json']);
    expect(inItsOwnProcess).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(inItsOwnProcess.stdout)).toEqual(units);
    expect(units.map((u: { address: string }) => u.address)).toEqual(['phongtchc@cantho.gov.vn', 'sotttt@cantho.gov.vn', 'vpubnd@cantho.gov.vn']);
    expect(await cli.json(['unit', 'show', 'vpubnd'])).toMatchObject({ members: ['annv@cantho.gov.vn', 'daott@cantho.gov.vn'], status: 'active' });
  });

  it('grants, lists and revokes delegations with their document', async () => {
    expect(await cli.json(['delegate', 'grant', 'vpubnd', 'daott', '--send-as', '--doc', '5/QĐ-VP'])).toMatchObject({
      unit: 'vpubnd@cantho.gov.vn',
      person: 'daott@cantho.gov.vn',
      rights: 'lrswite',
      sendAs: true,
      doc: '5/QĐ-VP',
    });
    expect(await cli.json(['delegate', 'list', 'vpubnd'])).toHaveLength(1);
    const text = await cli.run(['delegate', 'list', 'vpubnd']);
    expect(text.stdout).toMatch(/^daott@cantho\.gov\.vn\tvpubnd@cantho\.gov\.vn\tlrswite\tsend-as\tdoc 5\/QĐ-VP\n$/);
    await cli.json(['delegate', 'revoke', 'vpubnd', 'daott', '--doc', '6/QĐ-VP']);
    expect(await cli.json(['delegate', 'list', 'vpubnd'])).toEqual([]);
    const audit = await cli.json(['audit', '--subject', 'vpubnd@cantho.gov.vn']);
    expect(audit.map((r: { action: string; doc: string }) => `${r.action} ${r.doc}`).slice(-2)).toEqual(['delegate.grant 5/QĐ-VP', 'delegate.revoke 6/QĐ-VP']);
  });

  it('suspends and resumes a unit with a reason', async () => {
    expect(await cli.json(['unit', 'suspend', 'sotttt', '--reason', 'phát tán thư rác', '--doc', '7/QĐ'])).toMatchObject({
      status: 'suspended',
      suspendedReason: 'phát tán thư rác',
    });
    expect(await cli.json(['unit', 'resume', 'sotttt', '--doc', '8/QĐ'])).toMatchObject({ status: 'active', suspendedReason: null });
  });

  it('records and lists violations', async () => {
    expect(await cli.json(['violation', 'add', 'daott', '--reason', 'dùng hộp thư của người khác', '--serious'])).toMatchObject({
      person: 'daott@cantho.gov.vn',
      serious: true,
      source: 'admin',
    });
    expect(await cli.json(['violation', 'list'])).toHaveLength(1);
    expect(await cli.json(['violation', 'list', 'annv'])).toEqual([]);
  });

  it('transfers and retires, and filters the audit log by time', async () => {
    const since = new Date().toISOString();
    expect(await cli.json(['person', 'transfer', 'annv', '--unit', 'sotttt', '--doc', '30/QĐ-SNV'])).toMatchObject({ unit: 'sotttt@cantho.gov.vn' });
    expect(await cli.json(['unit', 'show', 'vpubnd'])).toMatchObject({ head: null });
    expect(await cli.json(['person', 'retire', 'daott', '--doc', '31/QĐ-SNV'])).toMatchObject({ status: 'retired' });
    const recent = await cli.json(['audit', '--since', since]);
    expect(recent.map((r: { action: string; subject: string; doc: string }) => `${r.action} ${r.subject} ${r.doc}`)).toEqual([
      'unit.set-head vpubnd@cantho.gov.vn 30/QĐ-SNV',
      'person.transfer annv@cantho.gov.vn 30/QĐ-SNV',
      'unit.set-head phongtchc@cantho.gov.vn 31/QĐ-SNV',
      'person.retire daott@cantho.gov.vn 31/QĐ-SNV',
    ]);
    expect(await cli.json(['audit', '--since', '2999-01-01'])).toEqual([]);
  });
});

describe('a running server and the CLI', () => {
  it('sees a password reset made by the CLI: the old password stops working', async () => {
    const config = loadConfig(cli.configFile);
    const db = openDatabase(config.paths.database);
    const store = new SqliteMailStore(db);
    const directory = new Directory({ db, config, store });
    try {
      const context = { protocol: 'imap', ip: '127.0.0.1' } as const;
      const first = await directory.verifyLogin('annv', 'mật khẩu ban đầu 2026', context);
      expect(first.ok).toBe(true);
      await directory.verifyLogin('annv', 'mật khẩu ban đầu 2026', context);
      expect(directory.stats).toEqual({ argon2Verifications: 1, cacheHits: 1 });

      const external = once(store.events, 'change');
      await cli.json(['person', 'password-reset', 'annv', '--password-stdin'], 'mật khẩu mới của An');
      expect(await external).toEqual([{ kind: 'external' }]);
      expect(await directory.verifyLogin('annv', 'mật khẩu ban đầu 2026', context)).toMatchObject({ ok: false, reason: 'bad-credentials' });
      expect(first.ok && directory.revalidate(first.identity)).toBeNull();
      expect(await directory.verifyLogin('annv', 'mật khẩu mới của An', context)).toMatchObject({ ok: true });
    } finally {
      await store.close();
    }
  });
});
