import { foldVietnamese } from '../text/index.js';
import { COMMON_PASSWORDS, COMMON_WORDS } from './common-passwords.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';

/**
 * The rules a new password must pass (docs/architecture.md "Password lifecycle"): at least 10 characters, not
 * containing the tên_sd or the name, not a common password, not the current or previous one.
 * Every refusal is a code the callers can test and a Vietnamese sentence the official reads.
 * Comparisons are on folded text, so `Nguyễn` and `NGUYEN` count as the name.
 */

/**
 * Parts of the name shorter than this are not looked for: "An", "Ba", "Tư" occur inside too many
 * unrelated words ("Quang", "Bach"); the whole name run together is still refused.
 */
const MIN_NAME_PART = 3;

export type PasswordRefusalCode = 'too-short' | 'too-long' | 'control-characters' | 'contains-login' | 'contains-name' | 'common' | 'reused';

export const PASSWORD_REFUSAL_MESSAGES: Readonly<Record<PasswordRefusalCode, string>> = {
  'too-short': `Mật khẩu mới phải có ít nhất ${MIN_PASSWORD_LENGTH} ký tự.`,
  'too-long': `Mật khẩu mới không được dài quá ${MAX_PASSWORD_LENGTH} ký tự.`,
  'control-characters': 'Mật khẩu mới chứa ký tự điều khiển không gõ được trên bàn phím.',
  'contains-login': 'Mật khẩu mới không được chứa tên đăng nhập (tên_sd) của bạn.',
  'contains-name': 'Mật khẩu mới không được chứa họ, tên đệm hoặc tên của bạn.',
  common: 'Mật khẩu mới quá phổ biến, người khác dễ đoán ra. Hãy chọn mật khẩu khác.',
  reused: 'Mật khẩu mới phải khác mật khẩu hiện tại và mật khẩu trước đó.',
};

export interface PasswordRefusal {
  readonly code: PasswordRefusalCode;
  readonly message: string;
}

export function passwordRefusal(code: PasswordRefusalCode): PasswordRefusal {
  return { code, message: PASSWORD_REFUSAL_MESSAGES[code] };
}

/** Whose password it is: the tên_sd (local part of the address) and the full name. */
export interface PasswordOwner {
  readonly login: string;
  readonly fullName: string;
}

const commonPasswords = new Set(COMMON_PASSWORDS.map(foldVietnamese));
const commonWords = new Set(COMMON_WORDS.map(foldVietnamese));

/** `Matkhau@2024` → `matkhau`: what is left when digits and symbols around the letters are taken off. */
function core(folded: string): string {
  return folded.replace(/^[^a-z]+/, '').replace(/[^a-z]+$/, '');
}

function isCommon(folded: string): boolean {
  if (commonPasswords.has(folded) || commonWords.has(core(folded))) return true;
  // "aaaaaaaaaa", "1111111111": one character repeated is no secret.
  return new Set(folded).size === 1;
}

/**
 * The rules that need no stored hash, in the order an official fixes them: length first, then
 * their own names, then the common list. The reuse rule is checked by password-change.ts, which
 * holds the hashes. Returns null when the password passes.
 */
export function checkPasswordRules(candidate: string, owner: PasswordOwner): PasswordRefusal | null {
  // Counted as password.ts counts (code points), so the web and the CLI agree on the limits.
  const length = [...candidate].length;
  if (length < MIN_PASSWORD_LENGTH) return passwordRefusal('too-short');
  if (length > MAX_PASSWORD_LENGTH) return passwordRefusal('too-long');
  if (/[\u0000-\u001f\u007f]/.test(candidate)) return passwordRefusal('control-characters');

  const folded = foldVietnamese(candidate);
  const login = foldVietnamese(owner.login.split('@')[0] ?? '');
  if (login !== '' && folded.includes(login)) return passwordRefusal('contains-login');

  const parts = foldVietnamese(owner.fullName).split(/[^a-z0-9]+/).filter((p) => p !== '');
  const wholeName = parts.join('');
  const lettersOnly = folded.replace(/[^a-z0-9]/g, '');
  if (wholeName.length > 0 && lettersOnly.includes(wholeName)) return passwordRefusal('contains-name');
  if (parts.some((part) => part.length >= MIN_NAME_PART && folded.includes(part))) return passwordRefusal('contains-name');

  if (isCommon(folded)) return passwordRefusal('common');
  return null;
}
