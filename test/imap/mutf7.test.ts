import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeMutf7, encodeMutf7, Mutf7Error } from '../../src/imap/mutf7.js';

describe('modified UTF-7 mailbox names (RFC 3501 §5.1.3)', () => {
  test.each([
    ['Thư đến', 'Th&AbA- &AREevw-n'],
    ['Tom & Jerry', 'Tom &- Jerry'],
    ['&', '&-'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['INBOX', 'INBOX'],
    ['Báo cáo & Tờ trình', 'B&AOE-o c&AOE-o &- T&Ht0- tr&AOw-nh'],
  ])('%s ↔ %s', (utf8, wire) => {
    expect(encodeMutf7(utf8)).toBe(wire);
    expect(decodeMutf7(wire)).toBe(utf8);
  });

  test('round-trips any Unicode name, astral characters included', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (name) => decodeMutf7(encodeMutf7(name)) === name));
  });

  test.each([
    ['unterminated shift', 'Th&AbA'],
    ['base64 of printable ASCII', '&AGE-'],
    ['8-bit octet', 'Thư'],
    ['padding bits set', '&AbB-'],
    ['odd number of octets', '&AbAB-'],
    ['illegal character in shift', '&Ab/A-'],
    ['lone surrogate', '&2D0-'],
  ])('refuses %s', (_why, wire) => {
    expect(() => decodeMutf7(wire)).toThrow(Mutf7Error);
  });
});
