import type { AccountId } from '../store/index.js';
import { requirePerson, runChange, type DirectoryContext } from './context.js';
import { hashPassword, verifyPassword, writePasswordHash } from './password.js';
import { checkPasswordRules, passwordRefusal, type PasswordRefusalCode } from './password-policy.js';
import type { LoginContext } from './types.js';
import { DirectoryError } from './types.js';

/**
 * An official changes their own password (docs/architecture.md "Password lifecycle", the web page): the
 * current password is verified, the new one must pass password-policy.ts and differ from the
 * current and the previous one; then it is hashed (argon2id), the must-change flag is cleared,
 * the old hash is kept as the previous one, the credential version grows (so IMAP sessions
 * opened with the old password end, see revalidate) and the change is audited — all in one
 * transaction, 'changed' emitted after the commit.
 */

/** 'busy': the password checks' queue was full or the turn did not come in time (check-queue.ts); retry in a moment. */
export type PasswordChangeFailure = 'wrong-current' | 'retired' | 'suspended' | 'busy' | PasswordRefusalCode;

export type PasswordChangeResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: PasswordChangeFailure; readonly message: string };

const MESSAGES: Readonly<Record<'wrong-current' | 'retired' | 'suspended' | 'busy', string>> = {
  'wrong-current': 'Mật khẩu hiện tại không đúng.',
  retired: 'Tài khoản này đã nghỉ hưu hoặc thôi việc, không đổi được mật khẩu.',
  suspended: 'Đơn vị của bạn đang bị tạm ngừng dịch vụ thư điện tử; liên hệ Trung tâm Công nghệ thông tin.',
  busy: 'Có quá nhiều yêu cầu cùng lúc từ máy của bạn. Vui lòng đợi vài giây rồi thử lại.',
};

const fail = (reason: keyof typeof MESSAGES): PasswordChangeResult => ({ ok: false, reason, message: MESSAGES[reason] });

/** What Directory.changePassword answers when the IP has no free password-check slot. */
export const PASSWORD_CHANGE_BUSY = fail('busy');

export async function changePassword(
  ctx: DirectoryContext,
  person: AccountId,
  currentPassword: string,
  newPassword: string,
  login: LoginContext,
): Promise<PasswordChangeResult> {
  let record;
  try {
    record = requirePerson(ctx, person);
  } catch (error) {
    // The web page only asks for people it signed in; a person removed meanwhile reads as a wrong password.
    if (error instanceof DirectoryError) return fail('wrong-current');
    throw error;
  }
  if (record.status === 'retired') return fail('retired');
  if (ctx.records.unitById(record.unitId)?.status === 'suspended') return fail('suspended');
  if (!(await verifyPassword(record.passwordHash, currentPassword))) {
    ctx.auditLog.write({
      actor: ctx.records.accountOf(record),
      action: 'person.password-change-fail',
      subject: ctx.records.accountOf(record),
      detail: { reason: 'wrong-current', protocol: login.protocol, ip: login.ip },
    });
    return fail('wrong-current');
  }

  const refusal =
    checkPasswordRules(newPassword, { login: record.localPart, fullName: record.fullName }) ??
    ((newPassword === currentPassword ||
      (record.previousPasswordHash !== null && (await verifyPassword(record.previousPasswordHash, newPassword))))
      ? passwordRefusal('reused')
      : null);
  if (refusal) return { ok: false, reason: refusal.code, message: refusal.message };

  // argon2 is async and slow: hash before the transaction, which must stay synchronous and short.
  const hash = await hashPassword(newPassword, ctx.argon2);
  return runChange(ctx, () => {
    const current = requirePerson(ctx, person);
    // An admin reset between our check and now wins: the password we verified is no longer the current one.
    if (current.credentialVersion !== record.credentialVersion) return { result: fail('wrong-current'), changed: [] };
    writePasswordHash(ctx, current.id, hash, { mustChange: false });
    const address = ctx.records.accountOf(current);
    ctx.auditLog.write({
      actor: address,
      action: 'person.password-change',
      subject: address,
      detail: { protocol: login.protocol, ip: login.ip, wasRequired: current.mustChangePassword },
    });
    return { result: { ok: true } as const, changed: [address] };
  });
}
