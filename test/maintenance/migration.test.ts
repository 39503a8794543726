import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAccountId, type MailStore } from '../../src/store/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliFor, fetchFolder } from '../helpers/user-sessions.js';

/** export → import round trip, idempotent re-import, and damaged mbox files, with the CLI in its own process. */

const PASSWORD = 'Mat-khau-thu-2026';
const ANNV = asAccountId('annv@cantho.gov.vn');
const BINHTT = asAccountId('binhtt@cantho.gov.vn');
let t: TestServer;
let store: MailStore;
let cli: ReturnType<typeof cliFor>;

const mail = (subject: string, body: string) =>
  Buffer.from(`From: Ban <ban@example.org>\r\nTo: annv@cantho.gov.vn\r\nSubject: ${subject}\r\n\r\n${body}`, 'utf8');

beforeAll(async () => {
  t = await startTestServer();
  store = t.server.context.store;
  await t.addUser('Nguyễn Văn An', { address: 'annv', password: PASSWORD });
  await t.addUser('Trần Thị Bình', { address: 'binhtt', password: PASSWORD });
  await t.addUser('Lê Văn Cường', { address: 'cuonglv', password: PASSWORD });
  await store.ensureAccount(ANNV);
  await store.ensureAccount(BINHTT);
  const inbox = (await store.getMailbox(ANNV, 'INBOX'))!;
  const project = await store.createMailbox(ANNV, 'Dự án/2026');
  await store.append(inbox.id, mail('chào', 'From the old days\r\n>From quoted\r\n'), { flags: ['\\Seen'], internalDate: new Date('2026-01-02T03:04:05Z') });
  await store.append(inbox.id, mail('chưa đọc', 'x\r\n'), { internalDate: new Date('2026-02-03T04:05:06Z') });
  await store.append(project.id, mail('dự án', 'y\r\n'), { flags: ['\\Seen', '\\Answered', '\\Flagged', '$Quantrong'], internalDate: new Date('2026-03-04T05:06:07Z') });
  cli = cliFor(t);
});
afterAll(() => t.close());

function file(name: string): string {
  return path.join(t.dataDir, name);
}

describe('cantho-mail export / import', () => {
  it('exports every folder to one mbox with X-Folder, Status and X-Status, and imports it back with flags and dates', async () => {
    const exported = await cli(['export', 'annv', '--mbox', file('annv.mbox'), '--json']);
    expect(exported.stderr).toBe('');
    expect(JSON.parse(exported.stdout)).toMatchObject({ account: ANNV, messages: 3, folders: expect.arrayContaining([{ name: 'Dự án/2026', messages: 1 }, { name: 'INBOX', messages: 2 }]) });
    const text = readFileSync(file('annv.mbox'), 'utf8');
    expect(text).toContain('From ban@example.org Fri Jan  2 03:04:05 2026\nX-Folder: INBOX\nStatus: RO\nFrom: Ban <ban@example.org>\n');
    expect(text).toContain('\n\n>From the old days\n>>From quoted\n\n');
    expect(text).toContain('X-Folder: Dự án/2026\nStatus: RO\nX-Status: AF\nX-Keywords: $Quantrong\n');

    const imported = await cli(['import', 'binhtt', '--mbox', file('annv.mbox'), '--json']);
    expect(imported.stderr).toBe('');
    expect(JSON.parse(imported.stdout)).toEqual({
      account: BINHTT,
      imported: 3,
      skipped: 0,
      folders: { 'Dự án/2026': { imported: 1, skipped: 0 }, INBOX: { imported: 2, skipped: 0 } },
      stoppedAt: null,
    });
    const inbox = await fetchFolder(t.ports.imap, 'binhtt', PASSWORD);
    // No \Recent: imapflow enables IMAP4rev2, which has none (RFC 9051 Appendix E).
    expect(inbox.map((m) => [m.subject, m.flags])).toEqual([
      ['chào', ['\\Seen']],
      ['chưa đọc', []],
    ]);
    const project = await fetchFolder(t.ports.imap, 'binhtt', PASSWORD, 'Dự án/2026');
    expect(project.map((m) => [m.subject, m.flags])).toEqual([['dự án', ['$Quantrong', '\\Answered', '\\Flagged', '\\Seen']]]);
    // Same bytes as the original (one stored body for both), same internal dates.
    const original = await store.listMessages((await store.getMailbox(ANNV, 'INBOX'))!.id);
    const copy = await store.listMessages((await store.getMailbox(BINHTT, 'INBOX'))!.id);
    expect(copy.map((m) => m.blobId)).toEqual(original.map((m) => m.blobId));
    expect(copy.map((m) => m.internalDate.toISOString())).toEqual(['2026-01-02T03:04:05.000Z', '2026-02-03T04:05:06.000Z']);
    const audited = t.directory.queryAudit({ subject: BINHTT }).filter((r) => r.action.startsWith('mailbox.'));
    expect(audited).toMatchObject([{ action: 'mailbox.import', detail: { file: file('annv.mbox'), imported: 3, skipped: 0, stoppedAt: null } }]);
    expect(t.directory.queryAudit({ subject: ANNV }).filter((r) => r.action === 'mailbox.export')).toMatchObject([{ detail: { messages: 3 } }]);
  });

  it('imports nothing twice on a second run', async () => {
    const again = await cli(['import', 'binhtt', '--mbox', file('annv.mbox')]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe('imported 0 message(s) into binhtt@cantho.gov.vn, 3 already there\n  Dự án/2026\t0 imported\t1 skipped\n  INBOX\t0 imported\t2 skipped\n');
    expect(await fetchFolder(t.ports.imap, 'binhtt', PASSWORD)).toHaveLength(2);
  });

  it('--folder puts every message into one folder', async () => {
    const result = await cli(['import', 'cuonglv', '--mbox', file('annv.mbox'), '--folder', 'Thư cũ']);
    expect(result).toMatchObject({ code: 0, stdout: 'imported 3 message(s) into cuonglv@cantho.gov.vn, 0 already there\n  Thư cũ\t3 imported\t0 skipped\n' });
  });

  it('stops at a broken From line, reports it, and resumes once the file is repaired', async () => {
    const good = (n: number) => `From old@system.vn Sat Nov 28 07:30:23 2026\nSubject: cu ${n}\n\nthu ${n}\n\n`;
    const broken = `${good(1)}${good(2).replace('thu 2\n', 'thu 2\n\nFrom my desk, with regards\n')}${good(3)}`;
    writeFileSync(file('old.mbox'), broken);
    const first = await cli(['import', 'cuonglv', '--mbox', file('old.mbox'), '--folder', 'Hệ thống cũ']);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('imported 1 message(s) into cuonglv@cantho.gov.vn, 0 already there\n  Hệ thống cũ\t1 imported\t0 skipped\n');
    expect(first.stderr).toBe(
      `error: ${file('old.mbox')}: stopped at line 11: not a valid "From " line: "From my desk, with regards"; repair the file and run the import again\n`,
    );
    writeFileSync(file('old.mbox'), broken.replace('\nFrom my desk', '\n>From my desk'));
    const second = await cli(['import', 'cuonglv', '--mbox', file('old.mbox'), '--folder', 'Hệ thống cũ']);
    expect(second).toMatchObject({ code: 0, stdout: 'imported 2 message(s) into cuonglv@cantho.gov.vn, 1 already there\n  Hệ thống cũ\t2 imported\t1 skipped\n' });
    const folder = await fetchFolder(t.ports.imap, 'cuonglv', PASSWORD, 'Hệ thống cũ');
    expect(folder.map((m) => m.subject)).toEqual(['cu 1', 'cu 2', 'cu 3']);
    expect(folder[1]!.source).toContain('thu 2\r\n\r\nFrom my desk, with regards\r\n');
  });

  it('stops before a truncated last message and imports it once the rest of the file is there', async () => {
    const whole = `From old@system.vn Sat Nov 28 07:30:23 2026\nSubject: mot\n\n1\n\nFrom old@system.vn Sat Nov 28 07:30:23 2026\nSubject: hai\n\nnoi dung dai\n`;
    const cut = whole.length - 8;
    writeFileSync(file('cut.mbox'), whole.slice(0, cut));
    const first = await cli(['import', 'cuonglv', '--mbox', file('cut.mbox'), '--folder', 'Cắt', '--json']);
    expect(first.code).toBe(1);
    expect(JSON.parse(first.stdout)).toMatchObject({ imported: 1, stoppedAt: { kind: 'truncated', line: 6 } });
    expect(first.stderr).toBe(
      `error: ${file('cut.mbox')}: stopped at line 6: the last message (line 6) is cut short: the file does not end with a line break; repair the file and run the import again\n`,
    );
    appendFileSync(file('cut.mbox'), whole.slice(cut));
    const second = await cli(['import', 'cuonglv', '--mbox', file('cut.mbox'), '--folder', 'Cắt', '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ imported: 1, skipped: 1, stoppedAt: null });
  });

  it('an import killed half-way (kill -9) leaves whole messages only, and the next run completes it without duplicates', async () => {
    const count = 3000;
    const text = Array.from({ length: count }, (_, i) => `From old@system.vn Sat Nov 28 07:30:23 2026\nSubject: so ${i}\n\n${'noi dung '.repeat(50)}${i}\n\n`).join('');
    writeFileSync(file('many.mbox'), text);
    const args = ['--config', path.join(t.dataDir, 'cli.toml'), 'import', 'cuonglv', '--mbox', file('many.mbox'), '--folder', 'Nhiều'];
    const child = spawn(process.execPath, [path.resolve(import.meta.dirname, '../../bin/cantho-mail.mjs'), ...args], { stdio: 'ignore' });
    const folder = async () => await store.getMailbox(asAccountId('cuonglv@cantho.gov.vn'), 'Nhiều');
    await expect.poll(async () => (await folder() ? (await store.mailboxCounts((await folder())!.id)).messages : 0), { timeout: 20_000, interval: 20 }).toBeGreaterThan(0);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const before = (await store.mailboxCounts((await folder())!.id)).messages;
    // Whole batches only: never a message without its ledger row, nor the other way round.
    expect(before % 200).toBe(0);
    expect(before).toBeLessThan(count);
    const resumed = await cli(args.slice(2).concat('--json'));
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ imported: count - before, skipped: before, stoppedAt: null });
    expect((await store.mailboxCounts((await folder())!.id)).messages).toBe(count);
  });

  it('refuses bad input with one line: unknown person, missing file, invalid folder name', async () => {
    expect(await cli(['import', 'khongco', '--mbox', file('annv.mbox')])).toMatchObject({ code: 1, stderr: 'error: unknown person or unit "khongco"\n' });
    expect(await cli(['import', 'binhtt', '--mbox', file('none.mbox')])).toMatchObject({ code: 1, stderr: `error: cannot read ${file('none.mbox')}: ENOENT\n` });
    expect(await cli(['export', 'khongco', '--mbox', file('x.mbox')])).toMatchObject({ code: 1, stderr: 'error: unknown address "khongco"\n' });
    const badFolder = await cli(['import', 'binhtt', '--mbox', file('annv.mbox'), '--folder', 'a//b']);
    expect(badFolder.code).toBe(1);
    expect(badFolder.stderr).toMatch(/^error: .+\n$/);
  });
});
