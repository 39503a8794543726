import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runRetention } from '../../src/maintenance/retention.js';
import { asAccountId } from '../../src/store/types.js';
import { createCliFixture } from '../cli/cli-helpers.js';
import { ADMIN, openTestDirectory, type TestDirectory } from '../directory/setup.js';

const DAY = 86_400_000;
const ANNV = asAccountId('annv@cantho.gov.vn');
const BINHTT = asAccountId('binhtt@cantho.gov.vn');
const mail = (subject: string) => Buffer.from(`From: x@example.org\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`);

let d: TestDirectory;
beforeEach(async () => {
  d = openTestDirectory();
  const admin = d.directory.admin;
  await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  await admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', password: 'mật khẩu ban đầu 2026' }, ADMIN);
  await admin.addPerson({ name: 'Trần Thị Bình', unit: 'vpubnd', password: 'mật khẩu ban đầu 2026' }, ADMIN);
  await d.store.deliver([{ account: ANNV, folder: 'INBOX' }, { account: BINHTT, folder: 'INBOX' }], mail('chung'));
  await d.store.deliver([{ account: ANNV, folder: 'INBOX' }], mail('riêng'));
  d.directory.recordViolation('annv', 'gửi thư rác', { source: 'filter' });
  admin.retirePerson('annv', ADMIN);
});
afterEach(() => d.close());

describe('retention of a retired person’s mailbox', () => {
  it('keeps the mailbox for retention.retired_days, then purges it, its unshared bodies, and frees the address', async () => {
    d.advance(90 * DAY - 1000);
    expect(await runRetention(d.directory, d.store, 'system')).toMatchObject({ accounts: [], messagesPurged: 0, blobsPurged: 0, addressesReleased: 0 });
    expect((await d.store.listMailboxes(ANNV)).length).toBeGreaterThan(0);

    d.advance(2000);
    const report = await runRetention(d.directory, d.store, 'system');
    expect(report).toEqual({
      cutoff: '2026-11-28T08:00:01.000Z',
      accounts: [{ address: ANNV, retiredAt: '2026-11-28T08:00:00.000Z', messagesPurged: 2, release: 'released' }],
      messagesPurged: 2,
      // The message Bình also got stays: one body, still referenced.
      blobsPurged: 1,
      addressesReleased: 1,
    });
    expect(await d.store.listMailboxes(ANNV)).toEqual([]);
    expect(await d.store.listMessages((await d.store.getMailbox(BINHTT, 'INBOX'))!.id)).toHaveLength(1);
    expect(d.directory.knowsAddress('annv')).toBe(false);
    const audit = d.directory.queryAudit({ subject: ANNV });
    expect(audit.slice(-2).map((r) => r.action)).toEqual(['mailbox.purge', 'person.purge']);
    expect(audit.at(-2)!.detail).toEqual({ messages: 2, retiredAt: '2026-11-28T08:00:00.000Z', retiredDays: 90 });
    expect(audit.at(-1)!.before).toMatchObject({ address: ANNV, name: 'Nguyễn Văn An', violations: [{ reason: 'gửi thư rác' }] });

    // A second run has nothing to do; the address can be given to a new official.
    expect(await runRetention(d.directory, d.store, 'system')).toMatchObject({ accounts: [], messagesPurged: 0, blobsPurged: 0 });
    const next = await d.directory.admin.addPerson({ name: 'Ngô Văn An', unit: 'vpubnd', password: 'mật khẩu ban đầu 2026' }, ADMIN);
    expect(next.person.address).toBe(ANNV);
  });

  it('does not free the address while the store still holds a mailbox for it', async () => {
    d.advance(91 * DAY);
    // A store whose purge did not happen (a crash before it, another backend lagging behind).
    const lagging = { ...d.store, purgeAccount: async () => 0, purgeUnreferencedBlobs: async () => 0, listMailboxes: d.store.listMailboxes.bind(d.store) };
    expect((await runRetention(d.directory, lagging, 'system')).accounts).toEqual([
      { address: ANNV, retiredAt: '2026-11-28T08:00:00.000Z', messagesPurged: 0, release: 'data-remains' },
    ]);
    expect(d.directory.knowsAddress('annv')).toBe(true);
  });
});

describe('cantho-mail maintenance run', () => {
  it('purges and reports in its own process, with --json', async () => {
    const cli = createCliFixture('[retention]\nretired_days = 0\n');
    try {
      await cli.ok(['unit', 'add', 'vpubnd', '--name', 'Văn phòng', '--doc', '1']);
      await cli.ok(['person', 'add', '--name', 'Nguyễn Văn An', '--unit', 'vpubnd', '--doc', '2']);
      await cli.ok(['person', 'retire', 'annv', '--doc', '3/QĐ-NV']);
      const report = JSON.parse(await cli.ok(['maintenance', 'run', '--json']));
      expect(report).toMatchObject({
        retention: { accounts: [{ address: 'annv@cantho.gov.vn', messagesPurged: 0, release: 'released' }], addressesReleased: 1 },
        notices: { warnings: 0, reports: 0, failed: 0 },
      });
      expect(await cli.ok(['maintenance', 'run'])).toMatch(/^retired before \S+: 0 account\(s\)\nmessages purged: 0\nunreferenced bodies removed: 0\naddresses freed: 0\nviolation notices sent: 0 warning\(s\), 0 report\(s\)\n$/);
      expect(JSON.parse(await cli.ok(['audit', '--subject', 'annv@cantho.gov.vn', '--json'])).map((r: { action: string }) => r.action)).toEqual([
        'person.add',
        'person.retire',
        'mailbox.purge',
        'person.purge',
      ]);
    } finally {
      cli.remove();
    }
  });
});
