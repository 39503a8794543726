import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/index.js';
import { sendPendingNotices } from '../../src/notices/violation-notices.js';
import { openDatabase, SqliteMailStore } from '../../src/store/index.js';
import { asAccountId } from '../../src/store/types.js';
import { startTestServer, TEST_DOC, type TestServer } from '../helpers/server.js';
import { openTestDirectory } from '../directory/setup.js';
import { cliFor, fetchFolder } from '../helpers/user-sessions.js';

const PASSWORD = 'Mật-khẩu-thử-1234';
let t: TestServer;
let cli: ReturnType<typeof cliFor>;

beforeAll(async () => {
  t = await startTestServer();
  await t.addUser('Trần Thị Bình', { unit: 'sotttt', address: 'binhtt' });
  t.directory.admin.setUnitHead('sotttt', 'binhtt', { actor: 'cli:test', doc: TEST_DOC });
  await t.addUser('Nguyễn Văn An', { unit: 'sotttt', address: 'annv' });
  await t.addUser('Lê Văn Cường', { unit: 'khongtruong', address: 'cuonglv' });
  cli = cliFor(t);
});
afterAll(() => t.close());

describe('Điều 10: warnings and the report to the head of the unit', () => {
  it('three `violation add` from the CLI (the first in its own process) put three warnings in the INBOX and one report in the head’s INBOX', async () => {
    const cliProcess = cliFor(t, '', 'process');
    for (const [index, reason] of ['dùng hộp thư của người khác', 'gửi thư rác', 'tiết lộ mật khẩu'].entries()) {
      const result = await (index === 0 ? cliProcess : cli)(['violation', 'add', 'annv', '--reason', reason]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const warnings = await fetchFolder(t.ports.imap, 'annv', PASSWORD);
    expect(warnings.map((m) => m.subject)).toEqual([1, 2, 3].map((n) => `Cảnh báo vi phạm Quy chế sử dụng thư điện tử (lần ${n})`));
    expect(warnings.every((m) => m.from === 'postmaster@cantho.gov.vn' && m.to === 'annv@cantho.gov.vn')).toBe(true);

    const first = warnings[0]!.source;
    // RFC 5322 header fields, an RFC 2047 encoded Subject, text/plain UTF-8 in quoted-printable.
    expect(first).toMatch(/^Date: [A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r$/m);
    expect(first).toMatch(/^Message-ID: <violation-\d+-warning@mail\.cantho\.gov\.vn>\r$/m);
    expect(first).toMatch(/^Subject: =\?UTF-8\?Q\?/m);
    expect(first).toMatch(/^Content-Type: text\/plain; charset=utf-8\r$/m);
    expect(first).toMatch(/^Content-Transfer-Encoding: quoted-printable\r$/m);
    expect(first).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(first).not.toMatch(/[^\x00-\x7f]/);
    const parsed = await simpleParser(first);
    expect(parsed.text).toContain('Kính gửi Nguyễn Văn An (annv@cantho.gov.vn), Đơn vị sotttt.');
    expect(parsed.text).toContain('  - Nội dung: dùng hộp thư của người khác\n  - Mức độ: thông thường');
    expect(parsed.text).toContain('Đây là lần vi phạm thứ 1 của Ông/Bà trong 365 ngày gần nhất.');

    const reports = await fetchFolder(t.ports.imap, 'binhtt', PASSWORD);
    expect(reports.map((m) => m.subject)).toEqual(['Báo cáo vi phạm Quy chế thư điện tử: Nguyễn Văn An (3 lần)']);
    expect(reports[0]!.from).toBe('postmaster@cantho.gov.vn');

    const listed = JSON.parse((await cli(['violation', 'list', 'annv', '--json'])).stdout) as Array<{ warnedAt: string | null; reportedAt: string | null }>;
    expect(listed.map((v) => [v.warnedAt !== null, v.reportedAt !== null])).toEqual([
      [true, false],
      [true, false],
      [true, true],
    ]);
    const audit = t.directory.queryAudit({ subject: 'annv@cantho.gov.vn' }).map((r) => r.action);
    expect(audit.filter((a) => a.startsWith('violation.'))).toEqual([
      'violation.add',
      'violation.warn',
      'violation.add',
      'violation.warn',
      'violation.add',
      'violation.warn',
      'violation.report',
    ]);
  });

  it('a fourth violation warns again without a second report; the sixth reports again', async () => {
    for (const n of [4, 5, 6]) expect((await cli(['violation', 'add', 'annv', '--reason', `vi phạm ${n}`])).code).toBe(0);
    expect(await fetchFolder(t.ports.imap, 'annv', PASSWORD)).toHaveLength(6);
    expect((await fetchFolder(t.ports.imap, 'binhtt', PASSWORD)).map((m) => m.subject)).toHaveLength(2);
  });

  it('a serious case says how to suspend the unit and is named in the report', async () => {
    const result = await cli(['violation', 'add', 'cuonglv', '--reason', 'phát tán mã độc', '--serious']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('serious: to suspend the unit, run `cantho-mail unit suspend <unit> --reason <text> --doc <ref>`');
    await cli(['violation', 'add', 'cuonglv', '--reason', 'gửi thư rác']);
    await cli(['violation', 'add', 'cuonglv', '--reason', 'gửi thư rác lần nữa']);
    // The unit has no head: the report goes to the IT centre (postmaster) instead of being lost.
    const store = t.server.context.store;
    const postmaster = (await store.getMailbox(asAccountId('postmaster@cantho.gov.vn'), 'INBOX'))!;
    const rows = await store.listMessages(postmaster.id);
    const report = await simpleParser(await store.readBlob(rows.at(-1)!.blobId));
    expect(report.subject).toBe('Báo cáo vi phạm Quy chế thư điện tử: Lê Văn Cường (3 lần)');
    expect(report.text).toContain('Kính gửi Trung tâm Công nghệ thông tin (đơn vị chưa có thủ trưởng trên hệ thống),');
    expect(report.text).toContain('(nghiêm trọng)');
    expect(report.text).toMatch(/Lưu ý: 1 vi phạm được đánh giá là nghiêm trọng \(mã \d+\)\./);
  });

  it('a violation the server records (filters, rate limits) is warned by the server itself', async () => {
    t.directory.recordViolation('annv', 'SMTP rate-limit: 201 messages in an hour', { source: 'rate-limit' });
    await expect.poll(async () => (await fetchFolder(t.ports.imap, 'annv', PASSWORD)).length, { timeout: 5000 }).toBe(7);
  });

  it('a warning owed by a CLI that died after its commit is sent by the running server', async () => {
    // Another connection to the same database, as the CLI has: record, commit, and never send.
    const db = openDatabase(t.config.paths.database);
    try {
      const other = new Directory({ db, config: t.config, store: new SqliteMailStore(db) });
      other.recordViolation('binhtt', 'cho người khác dùng hộp thư', { source: 'admin', actor: 'cli:test' });
    } finally {
      db.close();
    }
    await expect.poll(async () => (await fetchFolder(t.ports.imap, 'binhtt', PASSWORD)).filter((m) => m.subject.startsWith('Cảnh báo')).length, { timeout: 5000 }).toBe(1);
  });

  it('an unknown person is refused with one line and nothing is sent', async () => {
    const result = await cli(['violation', 'add', 'khongco', '--reason', 'x']);
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'error: unknown person "khongco"\n' });
  });
});

describe('the notice outbox', () => {
  it('a notice owed after a crash is sent once, even by two senders at the same time', async () => {
    const d = openTestDirectory();
    try {
      const admin = d.directory.admin;
      await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng' }, { actor: 'cli:test', doc: '1' });
      await admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', password: PASSWORD }, { actor: 'cli:test', doc: '1' });
      // Recorded and committed, then the process "died" before sending: the warning is owed.
      d.directory.recordViolation('annv', 'gửi thư rác', { source: 'admin', actor: 'cli:test' });
      expect(admin.listViolations('annv')[0]!.warnedAt).toBeNull();
      const runs = await Promise.all([sendPendingNotices({ directory: d.directory, config: d.config, store: d.store }), sendPendingNotices({ directory: d.directory, config: d.config, store: d.store })]);
      expect(runs.map((r) => r.warnings).sort()).toEqual([0, 1]);
      expect(runs.every((r) => r.failed === 0)).toBe(true);
      const inbox = (await d.store.getMailbox(asAccountId('annv@cantho.gov.vn'), 'INBOX'))!;
      expect(await d.store.listMessages(inbox.id)).toHaveLength(1);
      expect(admin.listViolations('annv')[0]!.warnedAt).toBe('2026-11-28T08:00:00.000Z');
      expect(await sendPendingNotices({ directory: d.directory, config: d.config, store: d.store })).toEqual({ warnings: 0, reports: 0, failed: 0 });
    } finally {
      await d.close();
    }
  });

  it('counts only violations within policy.violation_window towards the report', async () => {
    const d = openTestDirectory({ policy: { violation_window: '30d' } });
    try {
      const admin = d.directory.admin;
      await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng' }, { actor: 'a', doc: '1' });
      await admin.addPerson({ name: 'Trần Thị Bình', unit: 'vpubnd', password: PASSWORD }, { actor: 'a', doc: '1' });
      admin.setUnitHead('vpubnd', 'binhtt', { actor: 'a', doc: '1' });
      await admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', password: PASSWORD }, { actor: 'a', doc: '1' });
      const add = async () => {
        d.directory.recordViolation('annv', 'gửi thư rác', { source: 'filter' });
        return sendPendingNotices({ directory: d.directory, config: d.config, store: d.store });
      };
      expect(await add()).toEqual({ warnings: 1, reports: 0, failed: 0 });
      d.advance(20 * 86_400_000);
      expect(await add()).toEqual({ warnings: 1, reports: 0, failed: 0 });
      d.advance(20 * 86_400_000); // the first one is now 40 days old: outside the window
      expect(await add()).toEqual({ warnings: 1, reports: 0, failed: 0 });
      d.advance(1 * 86_400_000);
      expect(await add()).toEqual({ warnings: 1, reports: 1, failed: 0 });
    } finally {
      await d.close();
    }
  });
});
