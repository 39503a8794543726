import { afterEach, describe, expect, it } from 'vitest';
import { ALL_RIGHTS, type Identity } from '../../src/directory/types.js';
import { accessWithdrawn, findMailbox, locate, seenModeOf, sharedPrefix, visibleMailboxes, wireNameOf, type NamespaceSession } from '../../src/imap/namespaces.js';
import { asAccountId, type AccountId, type MailboxInfo } from '../../src/store/types.js';
import { ADMIN, openTestDirectory, type TestDirectory } from '../directory/setup.js';

/**
 * src/imap/namespaces.ts over a real directory and store: which wire names point where, with
 * which rights, and that everything a person may not know about looks like nothing at all.
 */

const person = (local: string) => asAccountId(`${local}@cantho.gov.vn`);
const VPUBND = person('vpubnd');
let t: TestDirectory;

async function setUp(config: Parameters<typeof openTestDirectory>[0] = {}): Promise<void> {
  t = openTestDirectory(config);
  const admin = t.directory.admin;
  await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  await admin.addUnit({ localPart: 'sotttt', name: 'Sở Thông tin và Truyền thông' }, ADMIN);
  for (const [name, unit, address] of [
    ['Lê Văn Trưởng', 'vpubnd', 'truonglv'],
    ['Nguyễn Văn An', 'vpubnd', 'annv'],
    ['Trần Thị Bình', 'vpubnd', 'binhtt'],
    ['Đỗ Thị Dung', 'sotttt', 'dungdt'],
  ] as const) {
    await admin.addPerson({ name, unit, address, password: 'mật khẩu thử 2026' }, ADMIN);
  }
  admin.setUnitHead('vpubnd', 'truonglv', ADMIN);
  admin.grantDelegation({ unit: 'vpubnd', person: 'annv' }, ADMIN);
  await t.store.createMailbox(VPUBND, 'Công văn/2026');
}
afterEach(() => t.close());

/** A logged-in session as namespaces.ts sees one; `account` differs from `who` after `unit*person`. */
function session(who: string, account: AccountId = person(who), selected: MailboxInfo | null = null): NamespaceSession & { selected: { info: MailboxInfo } | null } {
  const identity: Identity = { person: person(who), account, displayName: who, rights: t.directory.rightsOn(person(who), account) };
  return {
    ctx: { config: t.config, directory: t.directory, store: t.store },
    identity,
    selected: selected ? { info: selected } : null,
  };
}

describe('locate and findMailbox', () => {
  it('maps the personal namespace to the own account with every right', async () => {
    await setUp();
    expect(locate(session('annv'), 'INBOX')).toEqual({ owner: person('annv'), name: 'INBOX', rights: ALL_RIGHTS, sharedUnit: null });
    expect((await findMailbox(session('annv'), 'Sent'))?.mailbox).toMatchObject({ account: person('annv'), name: 'Sent' });
  });

  it('maps Shared/<unit>/… to the unit with the delegate rights, nested folders included', async () => {
    await setUp();
    expect(locate(session('annv'), 'Shared/vpubnd/INBOX')).toEqual({ owner: VPUBND, name: 'INBOX', rights: 'lrswite', sharedUnit: 'vpubnd' });
    expect((await findMailbox(session('annv'), 'Shared/vpubnd/Công văn/2026'))?.mailbox).toMatchObject({ account: VPUBND, name: 'Công văn/2026' });
    expect(locate(session('truonglv'), 'Shared/vpubnd/Sent')?.rights).toBe(ALL_RIGHTS);
    expect(await findMailbox(session('annv'), 'Shared/vpubnd/Không có')).toBeNull();
  });

  it.each([
    ['an outsider', 'dungdt', 'Shared/vpubnd/INBOX'],
    ['a member of the unit without a delegation', 'binhtt', 'Shared/vpubnd/INBOX'],
    ['a unit that does not exist', 'annv', 'Shared/khongco/INBOX'],
    ['the namespace root', 'annv', 'Shared'],
    ['the unit level', 'annv', 'Shared/vpubnd'],
    ['the unit level with a trailing delimiter', 'annv', 'Shared/vpubnd/'],
    ['the tên_sd in capitals (names are case-sensitive)', 'annv', 'Shared/VPUBND/INBOX'],
    ["the person's own mailboxes under the prefix", 'annv', 'Shared/annv/INBOX'],
    ["another person's mailboxes", 'annv', 'Shared/binhtt/INBOX'],
  ])('resolves nothing for %s', async (_what, who, name) => {
    await setUp();
    expect(locate(session(who), name)).toBeNull();
    expect(await findMailbox(session(who), name)).toBeNull();
  });

  it('opens the unit as the own namespace after unit*person login, without a shared namespace', async () => {
    await setUp();
    const s = session('annv', VPUBND);
    expect(sharedPrefix(s)).toBeNull();
    expect(locate(s, 'INBOX')).toEqual({ owner: VPUBND, name: 'INBOX', rights: 'lrswite', sharedUnit: null });
    expect(await findMailbox(s, 'Shared/vpubnd/INBOX')).toBeNull();
    expect([...(await visibleMailboxes(s)).keys()]).toEqual(['Archive', 'Công văn', 'Công văn/2026', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
  });

  it('uses imap.shared_prefix', async () => {
    await setUp({ imap: { shared_prefix: 'Đơn vị/' } });
    expect(sharedPrefix(session('annv'))).toBe('Đơn vị/');
    expect(locate(session('annv'), 'Đơn vị/vpubnd/INBOX')?.owner).toBe(VPUBND);
    expect(locate(session('annv'), 'Shared/vpubnd/INBOX')).toEqual({ owner: person('annv'), name: 'Shared/vpubnd/INBOX', rights: ALL_RIGHTS, sharedUnit: null });
  });
});

describe('visibleMailboxes and wireNameOf', () => {
  it('lists the own folders and each visible unit under the prefix', async () => {
    await setUp();
    const names = [...(await visibleMailboxes(session('annv'))).keys()];
    expect(names.filter((n) => n.startsWith('Shared/'))).toEqual([
      'Shared/vpubnd/Archive',
      'Shared/vpubnd/Công văn',
      'Shared/vpubnd/Công văn/2026',
      'Shared/vpubnd/Drafts',
      'Shared/vpubnd/INBOX',
      'Shared/vpubnd/Junk',
      'Shared/vpubnd/Sent',
      'Shared/vpubnd/Trash',
    ]);
    expect(names.filter((n) => !n.startsWith('Shared/'))).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
    const sent = (await t.store.getMailbox(VPUBND, 'Sent'))!;
    expect(wireNameOf(session('annv'), sent)).toBe('Shared/vpubnd/Sent');
    expect(wireNameOf(session('annv', VPUBND), sent)).toBe('Sent');
  });

  it('shows an outsider and a member without rights nothing of the unit', async () => {
    await setUp();
    for (const who of ['dungdt', 'binhtt']) {
      expect([...(await visibleMailboxes(session(who))).keys()].some((n) => n.startsWith('Shared'))).toBe(false);
    }
  });

  it('leaves out a unit on which the person may read but not list', async () => {
    await setUp();
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'binhtt', rights: 'r' }, ADMIN);
    expect([...(await visibleMailboxes(session('binhtt'))).keys()].some((n) => n.startsWith('Shared'))).toBe(false);
    expect((await findMailbox(session('binhtt'), 'Shared/vpubnd/INBOX'))?.location.rights).toBe('r');
  });
});

describe('revocation and seen mode', () => {
  it('forgets the unit at once, and withdraws a selected unit folder and a unit*person session', async () => {
    await setUp();
    const inbox = (await t.store.getMailbox(VPUBND, 'INBOX'))!;
    const shared = session('annv', person('annv'), inbox);
    const unitLogin = session('annv', VPUBND);
    expect(accessWithdrawn(shared)).toBeNull();
    expect(accessWithdrawn(unitLogin)).toBeNull();
    t.directory.admin.revokeDelegation('vpubnd', 'annv', ADMIN);
    expect(locate(shared, 'Shared/vpubnd/INBOX')).toBeNull();
    expect(accessWithdrawn(shared)).toBe('Your rights on the selected mailbox were withdrawn');
    expect(accessWithdrawn(unitLogin)).toBe('Your rights on this unit mailbox were withdrawn');
    expect(accessWithdrawn(session('annv', person('annv'), await t.store.getMailbox(person('annv'), 'INBOX')))).toBeNull();
  });

  it('reads the seen mode of the unit; own mailboxes are always shared', async () => {
    await setUp();
    expect(seenModeOf(session('annv'), VPUBND)).toBe('shared');
    t.directory.admin.setSeenMode('vpubnd', 'private', ADMIN);
    expect(seenModeOf(session('annv'), VPUBND)).toBe('private');
    expect(seenModeOf(session('annv'), person('annv'))).toBe('shared');
  });
});
