import { describe, expect, test } from 'vitest';
import { astring, atom, encodeLine, encodeValue, literal } from '../../src/imap/responses.js';

const text = (b: Buffer): string => b.toString('utf8');

describe('response encoding (RFC 3501 §4)', () => {
  test('NIL, numbers, atoms and lists', () => {
    expect(text(encodeValue(null))).toBe('NIL');
    expect(text(encodeValue(4294967295))).toBe('4294967295');
    expect(text(encodeValue(12345678901234567890n))).toBe('12345678901234567890');
    expect(text(encodeValue([atom('\\Seen'), [], [1, null]]))).toBe('(\\Seen () (1 NIL))');
    expect(text(encodeLine([atom('UID'), 5, atom('FLAGS'), [atom('\\Seen')]]))).toBe('UID 5 FLAGS (\\Seen)');
  });

  test('short 7-bit text is quoted with \\ and " escaped', () => {
    expect(text(encodeValue('Báo'))).toBe('{4}\r\nBáo');
    expect(text(encodeValue('say "hi" \\o/'))).toBe('"say \\"hi\\" \\\\o/"');
    expect(text(encodeValue(''))).toBe('""');
  });

  test('8-bit, CR/LF, NUL or long text becomes a literal', () => {
    expect(text(encodeValue('a\r\nb'))).toBe('{4}\r\na\r\nb');
    // RFC 3501 §9 CHAR8 excludes NUL: octets get 0x80 in its place (as Dovecot), text U+FFFD.
    expect(encodeValue(Buffer.from([0x61, 0x00])).toString('latin1')).toBe('{2}\r\na\x80');
    expect(text(encodeValue('Báo\0cáo'))).toBe(`{${Buffer.byteLength('Báo\uFFFDcáo')}}\r\nBáo\uFFFDcáo`);
    expect(text(encodeValue('x'.repeat(2000))).startsWith('{2000}\r\nxxx')).toBe(true);
    expect(text(encodeValue(literal(Buffer.from('abc'))))).toBe('{3}\r\nabc');
  });

  test('astring is an atom only when it may be one', () => {
    expect(text(encodeValue(astring('INBOX')))).toBe('INBOX');
    expect(text(encodeValue(astring('Th&AbA-')))).toBe('Th&AbA-');
    expect(text(encodeValue(astring('Sent Items')))).toBe('"Sent Items"');
    expect(text(encodeValue(astring('NIL')))).toBe('"NIL"');
    expect(text(encodeValue(astring('')))).toBe('""');
    expect(text(encodeValue(astring('a%b')))).toBe('"a%b"');
  });
});
