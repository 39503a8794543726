import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asAccountId } from '../../src/store/types.js';
import { ADMIN, openTestDirectory, type TestDirectory } from './setup.js';

const an = asAccountId('annv@cantho.gov.vn');
const GIVEN = 'Cap-moi-2026-xyz';
const WEB = { protocol: 'web', ip: '192.0.2.7' } as const;

let t: TestDirectory;
beforeEach(async () => {
  t = openTestDirectory();
  await t.directory.admin.addUnit({ localPart: 'vpubnd', name: 'Văn phòng UBND thành phố' }, ADMIN);
  await t.directory.admin.addPerson({ name: 'Nguyễn Văn Ân', unit: 'vpubnd', password: GIVEN }, ADMIN);
});
afterEach(() => t.close());

describe('changePassword (docs/architecture.md "Password lifecycle")', () => {
  it('turns the given password into the official’s own: EXPIRED before, a login after, audited', async () => {
    expect(await t.directory.verifyLogin('annv', GIVEN, WEB)).toMatchObject({ ok: false, reason: 'expired', person: an });
    const changed: string[] = [];
    t.directory.events.on('changed', (account) => changed.push(account));

    expect(await t.directory.changePassword(an, GIVEN, 'Ben Ninh Kieu 2026', WEB)).toEqual({ ok: true });

    expect(changed).toEqual([an]);
    expect(await t.directory.verifyLogin('annv', 'Ben Ninh Kieu 2026', WEB)).toMatchObject({ ok: true });
    expect(await t.directory.verifyLogin('annv', GIVEN, WEB)).toMatchObject({ ok: false, reason: 'bad-credentials' });
    const row = t.directory.queryAudit({ subject: an }).find((r) => r.action === 'person.password-change');
    expect(row).toMatchObject({ actor: an, detail: { protocol: 'web', ip: '192.0.2.7', wasRequired: true } });
    expect(JSON.stringify(t.directory.queryAudit())).not.toContain('Ben Ninh Kieu');
  });

  it('ends sessions opened with the old password (revalidate)', async () => {
    await t.directory.changePassword(an, GIVEN, 'Ben Ninh Kieu 2026', WEB);
    const login = await t.directory.verifyLogin('annv', 'Ben Ninh Kieu 2026', WEB);
    if (!login.ok) throw new Error('login failed');
    await t.directory.changePassword(an, 'Ben Ninh Kieu 2026', 'Cho noi Cai Rang 5h', WEB);
    expect(t.directory.revalidate(login.identity)).toBeNull();
  });

  it('refuses a wrong current password and counts it as a failed login', async () => {
    expect(await t.directory.changePassword(an, 'not the password', 'Ben Ninh Kieu 2026', WEB)).toEqual({
      ok: false,
      reason: 'wrong-current',
      message: 'Mật khẩu hiện tại không đúng.',
    });
    expect(t.directory.queryAudit({ subject: an }).map((r) => r.action)).toContain('person.password-change-fail');
    // Ten guesses lock the account (policy.login_failures_before_lock = 10), for sign-in too.
    for (let i = 0; i < 9; i++) await t.directory.changePassword(an, `guess ${i}`, 'Ben Ninh Kieu 2026', WEB);
    expect(await t.directory.verifyLogin('annv', GIVEN, WEB)).toMatchObject({ ok: false, reason: 'locked' });
  });

  it('waits its turn behind the password checks of its address, then changes the password', async () => {
    const running = [t.directory.verifyLogin('annv', 'sai 1', WEB), t.directory.verifyLogin('ai-do', 'sai 2', WEB)];
    expect(await t.directory.changePassword(an, GIVEN, 'Ben Ninh Kieu 2026', WEB)).toEqual({ ok: true });
    await Promise.all(running);
    expect(t.directory.passwordChecks).toMatchObject({ inFlight: 0, busy: 0 });
  });

  it('applies the policy, and refuses the current and the previous password', async () => {
    expect(await t.directory.changePassword(an, GIVEN, 'ngan', WEB)).toMatchObject({ ok: false, reason: 'too-short' });
    expect(await t.directory.changePassword(an, GIVEN, 'Nguyen-Van-2026', WEB)).toMatchObject({ ok: false, reason: 'contains-name' });
    expect(await t.directory.changePassword(an, GIVEN, GIVEN, WEB)).toMatchObject({ ok: false, reason: 'reused' });
    await t.directory.changePassword(an, GIVEN, 'Ben Ninh Kieu 2026', WEB);
    expect(await t.directory.changePassword(an, 'Ben Ninh Kieu 2026', GIVEN, WEB)).toMatchObject({ ok: false, reason: 'reused' });
    // After an admin reset, the password before the reset is the previous one.
    await t.directory.admin.resetPassword(an, 'Cap-lai-2026-abc', ADMIN);
    expect(await t.directory.changePassword(an, 'Cap-lai-2026-abc', 'Ben Ninh Kieu 2026', WEB)).toMatchObject({ ok: false, reason: 'reused' });
    expect(await t.directory.changePassword(an, 'Cap-lai-2026-abc', 'Cho noi Cai Rang 5h', WEB)).toEqual({ ok: true });
  });

  it('refuses a retired person and a member of a suspended unit', async () => {
    t.directory.admin.suspendUnit('vpubnd', 'vi phạm nghiêm trọng', ADMIN);
    expect(await t.directory.changePassword(an, GIVEN, 'Ben Ninh Kieu 2026', WEB)).toMatchObject({ ok: false, reason: 'suspended' });
    t.directory.admin.retirePerson(an, ADMIN);
    expect(await t.directory.changePassword(an, GIVEN, 'Ben Ninh Kieu 2026', WEB)).toMatchObject({ ok: false, reason: 'retired' });
  });
});
