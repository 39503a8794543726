import { afterEach, describe, expect, it } from 'vitest';
import { QuotaNotices } from '../../src/notices/quota-notices.js';
import { asAccountId } from '../../src/store/types.js';
import { ADMIN, openTestDirectory, type TestDirectory } from '../directory/setup.js';

/**
 * The 90 % warning's memory (src/notices/quota-notices.ts): kept in the audit log, so a server
 * restarted after warning does not warn again, and one restarted after usage fell below does.
 */

const ANNV = asAccountId('annv@cantho.gov.vn');
let t: TestDirectory;
afterEach(() => t.close());

async function setUp(): Promise<void> {
  t = openTestDirectory({ quota: { default: '100KB' } });
  await t.directory.admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  await t.directory.admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', password: 'mật khẩu của An 2026' }, ADMIN);
}

/** A fresh QuotaNotices over the same database: what a restarted server has. */
const restarted = () => new QuotaNotices({ directory: t.directory, config: t.config, store: t.store, displayName: (account) => t.directory.displayName(account) });
const fill = async (octets: number) => t.store.deliver([{ account: ANNV, folder: 'INBOX' }], Buffer.from(`Subject: x\r\n\r\n${'x'.repeat(octets)}`));
const quotaActions = () => t.directory.queryAudit({ subject: ANNV }).filter((row) => row.action.startsWith('quota.')).map((row) => row.action);

describe('quota warning across restarts', () => {
  it('warns once, not again after a restart, and again once usage fell below 90 % and crossed it', async () => {
    await setUp();
    const limit = t.config.quota.default;
    await fill(limit * 0.95);
    await restarted().check(ANNV);
    await restarted().check(ANNV);
    expect(quotaActions()).toEqual(['quota.warning']);
    const inbox = (await t.store.getMailbox(ANNV, 'INBOX'))!.id;
    expect(await t.store.listMessages(inbox)).toHaveLength(2);

    const big = (await t.store.listMessages(inbox)).filter((row) => row.size > limit / 2).map((row) => row.uid);
    await t.store.storeFlags(inbox, big, 'add', ['\\Deleted']);
    await t.store.expunge(inbox, big);
    await restarted().check(ANNV);
    await fill(limit * 0.9);
    await restarted().check(ANNV);
    expect(quotaActions()).toEqual(['quota.warning', 'quota.below', 'quota.warning']);
  });
});
