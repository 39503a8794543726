import { describe, expect, it } from 'vitest';
import { checkPasswordRules, PASSWORD_REFUSAL_MESSAGES } from '../../src/directory/password-policy.js';

const an = { login: 'annv', fullName: 'Nguyễn Văn Ân' };
const code = (password: string, owner = an) => checkPasswordRules(password, owner)?.code ?? null;

describe('password policy (docs/architecture.md "Password lifecycle")', () => {
  it('accepts a long password that is nobody’s name', () => {
    expect(checkPasswordRules('song Hau chay qua 3 cau', an)).toBeNull();
    expect(checkPasswordRules('Bến Ninh Kiều 2026!', an)).toBeNull();
  });

  it('refuses fewer than 10 characters, counted as characters not bytes', () => {
    expect(code('Ab3$xyz9')).toBe('too-short');
    expect(code('ẩẩẩẩẩẩẩẩẩ')).toBe('too-short');
    expect(code('ẩẩẩẩẩẩẩẩẩx')).toBeNull();
  });

  it('refuses more than 256 characters and control characters', () => {
    expect(code('x'.repeat(257))).toBe('too-long');
    expect(code('bon muoi hai\u0007xyz')).toBe('control-characters');
  });

  it('refuses the tên_sd in any case and with or without the domain', () => {
    expect(code('xx-AnNV-2026-yy')).toBe('contains-login');
    expect(code('xx-annv-2026-yy', { login: 'annv@cantho.gov.vn', fullName: 'Nguyễn Văn Ân' })).toBe('contains-login');
  });

  it('refuses a part of the name, with or without diacritics', () => {
    expect(code('Nguyễn rất vui 2026')).toBe('contains-name');
    expect(code('NGUYEN rat vui 2026')).toBe('contains-name');
    expect(code('toi la van 123456')).toBe('contains-name');
    expect(code('Nguyen.Van.An-99')).toBe('contains-name');
  });

  it('does not look for two-letter name parts inside other words, but does for the whole name run together', () => {
    // "an" is in "quang"; that alone is not the name.
    expect(code('ba quang truong 7', { login: 'anlv', fullName: 'Lê Văn An' })).toBeNull();
    expect(code('xx levanan 2026', { login: 'anlv', fullName: 'Lê Văn An' })).toBe('contains-name');
  });

  it('refuses the Vietnamese favourites and common words dressed with digits and symbols', () => {
    for (const weak of ['123456a@123', '1234567890', 'matkhau@123', 'Matkhau2026!!', 'P@ssw0rd123', 'Cantho@2026', 'anhyeuem123', 'qwertyuiop', 'aaaaaaaaaaaa']) {
      expect(code(weak), weak).toBe('common');
    }
  });

  it('has a Vietnamese message for every refusal', () => {
    expect(PASSWORD_REFUSAL_MESSAGES['too-short']).toBe('Mật khẩu mới phải có ít nhất 10 ký tự.');
    expect(checkPasswordRules('matkhau@123', an)?.message).toBe('Mật khẩu mới quá phổ biến, người khác dễ đoán ra. Hãy chọn mật khẩu khác.');
    for (const message of Object.values(PASSWORD_REFUSAL_MESSAGES)) expect(message).toMatch(/^Mật khẩu mới/);
  });
});
