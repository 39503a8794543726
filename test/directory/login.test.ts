import { afterEach, describe, expect, it } from 'vitest';
import type { LoginContext } from '../../src/directory/index.js';
import { ALL_RIGHTS, type Identity, type LoginResult } from '../../src/directory/types.js';
import { asAccountId, type AccountId } from '../../src/store/types.js';
import { ADMIN, openTestDirectory, type TestDirectory } from './setup.js';

const IMAP: LoginContext = { protocol: 'imap', ip: '192.0.2.10' };
const PASSWORD = 'mật khẩu của An 2026';
const ANNV = asAccountId('annv@cantho.gov.vn');
const VPUBND = asAccountId('vpubnd@cantho.gov.vn');

let t: TestDirectory;
afterEach(() => t.close());

/** vpubnd with annv (password PASSWORD, already changed) and daott; must-change off unless asked. */
async function setUp(requirePasswordChange = false, policy: Record<string, unknown> = {}): Promise<TestDirectory> {
  t = openTestDirectory({ policy: { require_password_change: requirePasswordChange, ...policy } });
  const admin = t.directory.admin;
  await admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  await admin.addUnit({ localPart: 'sotttt', name: 'Sở Thông tin và Truyền thông' }, ADMIN);
  await admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd', password: PASSWORD }, ADMIN);
  await admin.addPerson({ name: 'Trần Thị Đào', unit: 'sotttt', password: 'mật khẩu của Đào' }, ADMIN);
  return t;
}

const login = (name: string, password = PASSWORD, context = IMAP) => t.directory.verifyLogin(name, password, context);
const identityOf = (result: LoginResult): Identity => {
  if (!result.ok) throw new Error(`login refused: ${result.reason}`);
  return result.identity;
};

describe('verifyLogin', () => {
  it('accepts the tên_sd or the full address in any case', async () => {
    await setUp();
    for (const name of ['annv', 'ANNV', 'annv@cantho.gov.vn', 'AnNV@Cantho.Gov.Vn']) {
      expect(await login(name)).toEqual({
        ok: true,
        identity: { person: ANNV, account: ANNV, displayName: 'Nguyễn Văn An', rights: ALL_RIGHTS, credentialVersion: 1 },
      });
    }
    expect(await login('annv@example.org')).toMatchObject({ ok: false, reason: 'bad-credentials' });
  });

  it('matches a password typed in decomposed Unicode (NFD) against one set in NFC, and back (RFC 8265)', async () => {
    await setUp();
    expect(await login('annv', PASSWORD.normalize('NFD'))).toMatchObject({ ok: true });
    await t.directory.admin.addPerson({ name: 'Lê Ân', unit: 'vpubnd', password: 'Ân cần 2026 mới'.normalize('NFD') }, ADMIN);
    expect(await login('anl', 'Ân cần 2026 mới'.normalize('NFC'))).toMatchObject({ ok: true });
  });

  it('answers an unknown login and a wrong password alike, and audits both', async () => {
    await setUp();
    expect(await login('annv', 'sai mật khẩu')).toEqual({ ok: false, reason: 'bad-credentials', delayMs: 0 });
    expect(await login('khongco', PASSWORD)).toEqual({ ok: false, reason: 'bad-credentials', delayMs: 0 });
    const fails = t.directory.queryAudit().filter((r) => r.action === 'login.fail');
    expect(fails.map((r) => [r.subject, (r.detail as { reason: string }).reason])).toEqual([
      ['annv@cantho.gov.vn', 'bad-credentials'],
      ['khongco@cantho.gov.vn', 'bad-credentials'],
    ]);
    expect(fails[0]!.detail).toMatchObject({ protocol: 'imap', ip: '192.0.2.10' });
  });

  it('caches a successful check for a minute, never a failed one', async () => {
    await setUp();
    await login('annv');
    expect(t.directory.stats).toEqual({ argon2Verifications: 1, cacheHits: 0 });
    expect((await login('annv@cantho.gov.vn')).ok).toBe(true);
    expect(t.directory.stats).toEqual({ argon2Verifications: 1, cacheHits: 1 });
    await login('annv', 'sai mật khẩu');
    await login('annv', 'sai mật khẩu');
    expect(t.directory.stats).toEqual({ argon2Verifications: 3, cacheHits: 1 });
    t.advance(61_000);
    expect((await login('annv')).ok).toBe(true);
    expect(t.directory.stats).toEqual({ argon2Verifications: 4, cacheHits: 1 });
  });

  it('forgets the cached password on a reset: the old one stops working at once', async () => {
    await setUp();
    const changed: AccountId[] = [];
    t.directory.events.on('changed', (account) => changed.push(account));
    expect((await login('annv')).ok).toBe(true);
    await t.directory.admin.resetPassword('annv', 'mật khẩu mới tinh', ADMIN);
    expect(changed).toEqual([ANNV]);
    expect(await login('annv')).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(await login('annv', 'mật khẩu mới tinh')).toMatchObject({ ok: true, identity: { credentialVersion: 2 } });
  });

  it('clears the cache when another process writes the database', async () => {
    await setUp();
    await login('annv');
    await login('annv');
    expect(t.directory.stats.cacheHits).toBe(1);
    t.store.events.emit('change', { kind: 'external' });
    await login('annv');
    expect(t.directory.stats).toEqual({ argon2Verifications: 2, cacheHits: 1 });
  });

  it('refuses a retired person, but only tells one who knows the password', async () => {
    await setUp();
    t.directory.admin.retirePerson('annv', ADMIN);
    expect(await login('annv')).toEqual({ ok: false, reason: 'retired', delayMs: 0 });
    expect(await login('annv', 'sai mật khẩu')).toMatchObject({ ok: false, reason: 'bad-credentials' });
  });

  it('refuses the members of a suspended unit until it is resumed', async () => {
    await setUp();
    t.directory.admin.suspendUnit('vpubnd', 'vi phạm nghiêm trọng', ADMIN);
    expect(await login('annv')).toEqual({ ok: false, reason: 'suspended', delayMs: 0 });
    expect((await login('daott', 'mật khẩu của Đào')).ok).toBe(true);
    t.directory.admin.resumeUnit('vpubnd', ADMIN);
    expect((await login('annv')).ok).toBe(true);
  });

  it('answers expired for a right password that must be changed first', async () => {
    await setUp(true);
    expect(await login('annv')).toEqual({ ok: false, reason: 'expired', delayMs: 0, person: ANNV });
    expect(await login('annv', 'sai mật khẩu')).toMatchObject({ ok: false, reason: 'bad-credentials' });
  });

  it('opens a unit mailbox with unit*person and the person\'s rights', async () => {
    await setUp();
    expect(await login('vpubnd*daott', 'mật khẩu của Đào')).toMatchObject({ ok: false, reason: 'bad-credentials' });
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'daott' }, ADMIN);
    expect(await login('vpubnd*daott', 'mật khẩu của Đào')).toEqual({
      ok: true,
      identity: {
        person: asAccountId('daott@cantho.gov.vn'),
        account: VPUBND,
        displayName: 'Trần Thị Đào',
        rights: 'lrswite',
        credentialVersion: 1,
      },
    });
    expect(await login('VPUBND@cantho.gov.vn*daott@CANTHO.gov.vn', 'mật khẩu của Đào')).toMatchObject({ ok: true });
    expect(await login('vpubnd*daott', 'sai mật khẩu')).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(await login('khongco*daott', 'mật khẩu của Đào')).toMatchObject({ ok: false, reason: 'bad-credentials' });
    t.directory.admin.setUnitHead('vpubnd', 'annv', ADMIN);
    expect(await login('vpubnd*annv')).toMatchObject({ ok: true, identity: { account: VPUBND, rights: ALL_RIGHTS } });
    t.directory.admin.suspendUnit('vpubnd', 'vi phạm', ADMIN);
    expect(await login('vpubnd*daott', 'mật khẩu của Đào')).toMatchObject({ ok: false, reason: 'suspended' });
  });

  it('slows repeated failures down, then locks the guessing address out of the account for policy.login_lock', async () => {
    await setUp();
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const result = await login('annv', `sai ${i}`);
      expect(result).toMatchObject({ ok: false, reason: 'bad-credentials' });
      delays.push((result as { delayMs: number }).delayMs);
      // The protocol answers after the delay; the next check of this lane waits for it too.
      t.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([0, 0, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(await login('annv', 'sai 9')).toMatchObject({ ok: false, reason: 'bad-credentials', delayMs: 8000 });
    t.advance(8000);
    // Locked for this address: even the right password is refused, without running argon2.
    const verifications = t.directory.stats.argon2Verifications;
    expect(await login('annv')).toEqual({ ok: false, reason: 'locked', delayMs: 8000 });
    expect(t.directory.stats.argon2Verifications).toBe(verifications);
    expect(t.directory.queryAudit().filter((r) => r.action === 'login.lock')).toHaveLength(1);
    // Other accounts behind the same address still log in.
    expect((await login('daott', 'mật khẩu của Đào')).ok).toBe(true);
    // And annv from another address is not locked.
    expect((await login('annv', PASSWORD, { protocol: 'imap', ip: '192.0.2.77' })).ok).toBe(true);
    t.advance(15 * 60_000 + 1);
    expect((await login('annv')).ok).toBe(true);
    // A success starts the count again.
    expect(await login('annv', 'sai')).toEqual({ ok: false, reason: 'bad-credentials', delayMs: 0 });
  });

  it('locks an IP that guesses across many accounts, and only that IP', async () => {
    await setUp();
    let last;
    for (let i = 0; i < 100; i++) {
      last = await login(`nguoi${i}`, 'đoán', { protocol: 'smtp', ip: '198.51.100.7' });
      t.advance((last as { delayMs: number }).delayMs);
    }
    expect(last).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(await login('annv', PASSWORD, { protocol: 'smtp', ip: '198.51.100.7' })).toMatchObject({ ok: false, reason: 'locked' });
    expect((await login('annv', PASSWORD, { protocol: 'smtp', ip: '192.0.2.99' })).ok).toBe(true);
  });
});

describe('revalidate', () => {
  it('ends a session after a password reset, retirement or suspension', async () => {
    await setUp();
    const identity = identityOf(await login('annv'));
    expect(t.directory.revalidate(identity)).toBe(identity);
    await t.directory.admin.resetPassword('annv', 'mật khẩu mới tinh', ADMIN);
    expect(t.directory.revalidate(identity)).toBeNull();

    const fresh = identityOf(await login('annv', 'mật khẩu mới tinh'));
    t.directory.admin.suspendUnit('vpubnd', 'vi phạm', ADMIN);
    expect(t.directory.revalidate(fresh)).toBeNull();
    t.directory.admin.resumeUnit('vpubnd', ADMIN);
    expect(t.directory.revalidate(fresh)).toBe(fresh);
    t.directory.admin.retirePerson('annv', ADMIN);
    expect(t.directory.revalidate(fresh)).toBeNull();
  });

  it('follows a delegate\'s rights and ends the session when they are revoked', async () => {
    await setUp();
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'daott' }, ADMIN);
    const identity = identityOf(await login('vpubnd*daott', 'mật khẩu của Đào'));
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'daott', rights: 'lr' }, ADMIN);
    expect(t.directory.revalidate(identity)).toEqual({ ...identity, rights: 'lr' });
    t.directory.admin.revokeDelegation('vpubnd', 'daott', ADMIN);
    expect(t.directory.revalidate(identity)).toBeNull();
  });
});

describe('recipients, senders and rights', () => {
  it('resolves persons, units and reserved names; refuses retired, unknown and remote', async () => {
    await setUp();
    const postmaster = asAccountId('postmaster@cantho.gov.vn');
    expect(t.directory.resolveRecipient('AnNV@Cantho.gov.vn')).toEqual({ ok: true, account: ANNV, kind: 'person' });
    expect(t.directory.resolveRecipient('vpubnd@cantho.gov.vn')).toEqual({ ok: true, account: VPUBND, kind: 'unit' });
    expect(t.directory.resolveRecipient('abuse@cantho.gov.vn')).toEqual({ ok: true, account: postmaster, kind: 'reserved' });
    // RFC 5321 §4.1.1.3: "postmaster" without a domain must be accepted.
    expect(t.directory.resolveRecipient('Postmaster')).toEqual({ ok: true, account: postmaster, kind: 'reserved' });
    expect(t.directory.resolveRecipient('noreply@cantho.gov.vn')).toEqual({ ok: false, reason: 'unknown' });
    expect(t.directory.resolveRecipient('khongco@cantho.gov.vn')).toEqual({ ok: false, reason: 'unknown' });
    expect(t.directory.resolveRecipient('an..nv@cantho.gov.vn')).toEqual({ ok: false, reason: 'unknown' });
    expect(t.directory.resolveRecipient('annv@example.org')).toEqual({ ok: false, reason: 'not-local' });
    t.directory.admin.retirePerson('annv', ADMIN);
    expect(t.directory.resolveRecipient('annv@cantho.gov.vn')).toEqual({ ok: false, reason: 'retired' });
  });

  it('lets a suspended unit receive unless policy.suspended_unit_receives is false', async () => {
    await setUp();
    t.directory.admin.suspendUnit('vpubnd', 'vi phạm', ADMIN);
    expect(t.directory.resolveRecipient('vpubnd@cantho.gov.vn')).toMatchObject({ ok: true });
    await t.close();
    t = openTestDirectory({ policy: { suspended_unit_receives: false } });
    await t.directory.admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng' }, ADMIN);
    await t.directory.admin.addPerson({ name: 'Nguyễn Văn An', unit: 'vpubnd' }, ADMIN);
    t.directory.admin.suspendUnit('vpubnd', 'vi phạm', ADMIN);
    expect(t.directory.resolveRecipient('vpubnd@cantho.gov.vn')).toEqual({ ok: false, reason: 'suspended' });
    expect(t.directory.resolveRecipient('annv@cantho.gov.vn')).toEqual({ ok: false, reason: 'suspended' });
  });

  it('lets a person send as themselves, and as a unit only with send-as or as its head', async () => {
    await setUp();
    const DAOTT = asAccountId('daott@cantho.gov.vn');
    expect(t.directory.canSendAs(ANNV, 'ANNV@cantho.gov.vn')).toBe(true);
    expect(t.directory.canSendAs(ANNV, 'daott@cantho.gov.vn')).toBe(false);
    expect(t.directory.canSendAs(DAOTT, 'vpubnd@cantho.gov.vn')).toBe(false);
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'daott' }, ADMIN);
    expect(t.directory.canSendAs(DAOTT, 'vpubnd@cantho.gov.vn')).toBe(false);
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'daott', sendAs: true }, ADMIN);
    expect(t.directory.canSendAs(DAOTT, 'vpubnd@cantho.gov.vn')).toBe(true);
    t.directory.admin.setUnitHead('sotttt', 'annv', ADMIN);
    expect(t.directory.canSendAs(ANNV, 'sotttt@cantho.gov.vn')).toBe(true);
    expect(t.directory.canSendAs(ANNV, 'annv@example.org')).toBe(false);
  });

  it('lists the unit mailboxes a person may open, with their rights', async () => {
    await setUp();
    const DAOTT = asAccountId('daott@cantho.gov.vn');
    expect(t.directory.unitAccess(DAOTT)).toEqual([]);
    t.directory.admin.grantDelegation({ unit: 'vpubnd', person: 'daott', sendAs: true }, ADMIN);
    t.directory.admin.setUnitHead('sotttt', 'daott', ADMIN);
    expect(t.directory.unitAccess(DAOTT)).toEqual([
      { unit: asAccountId('sotttt@cantho.gov.vn'), unitName: 'Sở Thông tin và Truyền thông', rights: ALL_RIGHTS, sendAs: true, seenMode: 'shared' },
      { unit: VPUBND, unitName: 'Văn phòng UBND thành phố', rights: 'lrswite', sendAs: true, seenMode: 'shared' },
    ]);
    expect(t.directory.rightsOn(DAOTT, VPUBND)).toBe('lrswite');
    expect(t.directory.rightsOn(DAOTT, DAOTT)).toBe(ALL_RIGHTS);
    expect(t.directory.rightsOn(DAOTT, ANNV)).toBe('');
    expect(t.directory.displayName(VPUBND)).toBe('Văn phòng UBND thành phố');
    expect(t.directory.displayName(asAccountId('khongco@cantho.gov.vn'))).toBeNull();
  });
});

describe('verifyLogin against floods', () => {
  it('refuses an absurdly long password without running argon2', async () => {
    await setUp();
    expect(await login('annv', 'x'.repeat(1_000_000))).toMatchObject({ ok: false, reason: 'bad-credentials' });
    expect(t.directory.stats.argon2Verifications).toBe(0);
  });

  it('keeps serving other IPs while one IP sends 10,000 guesses at once', async () => {
    await setUp(false, { login_queue_timeout: '5s' });
    const attacker = { protocol: 'imap', ip: '203.0.113.66' } as const;
    // Sent without waiting for the delays: past the address's queue bound they are turned away at
    // once; the queued ones are checked until the address earns a delay (its clock stands still
    // here), then wait out the queue deadline; while it is held, new ones are turned away at once.
    const flood = Promise.all(Array.from({ length: 10_000 }, (_, i) => login(`annv${i % 50}`, `đoán ${i}`, attacker)));
    expect(await login('annv')).toMatchObject({ ok: true });
    const results = await flood;
    expect(results.filter((r) => !r.ok && (r.reason === 'locked' || r.reason === 'busy')).length).toBeGreaterThan(9_800);
    // Only the guesses before the address's delay ran argon2 (the dummy hash for unknown logins is not counted in stats).
    expect(t.directory.queryAudit().filter((r) => r.action === 'login.fail').length).toBeLessThanOrEqual(100);
  });
});
