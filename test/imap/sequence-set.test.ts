import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatSequenceSet,
  parseSequenceSet,
  resolveSequenceNumbers,
  resolveUidSet,
  SequenceSetError,
  sequenceSetContains,
} from '../../src/imap/sequence-set.js';

describe('parseSequenceSet (RFC 3501 §9)', () => {
  it('reads numbers, ranges and * in either order', () => {
    expect(parseSequenceSet('1:3,5,7:*')).toEqual([
      { from: 1, to: 3 },
      { from: 5, to: 5 },
      { from: 7, to: '*' },
    ]);
    expect(parseSequenceSet('*:1')).toEqual([{ from: '*', to: 1 }]);
    expect(parseSequenceSet('*')).toEqual([{ from: '*', to: '*' }]);
    expect(parseSequenceSet('4294967295')).toEqual([{ from: 4294967295, to: 4294967295 }]);
  });

  it.each(['0', '1:0', '0:*', '4294967296', '1:4294967296', '', '1,', ',1', '1::2', '01', '-1', '1:2:3', 'a', '$', '1 2', '1.5'])(
    'refuses %j',
    (text) => {
      expect(() => parseSequenceSet(text)).toThrow(SequenceSetError);
    },
  );
});

describe('resolveSequenceNumbers', () => {
  it('treats *:1 like 1:* and removes duplicates', () => {
    expect(resolveSequenceNumbers(parseSequenceSet('*:1'), 4)).toEqual([1, 2, 3, 4]);
    expect(resolveSequenceNumbers(parseSequenceSet('3,1:2,2,*'), 4)).toEqual([1, 2, 3, 4]);
    expect(resolveSequenceNumbers(parseSequenceSet('4:2'), 4)).toEqual([2, 3, 4]);
  });

  it('refuses a number above the message count, and * in an empty mailbox', () => {
    expect(() => resolveSequenceNumbers(parseSequenceSet('5'), 4)).toThrow(/message 5 does not exist/);
    expect(() => resolveSequenceNumbers(parseSequenceSet('1:4294967295'), 4)).toThrow(SequenceSetError);
    expect(() => resolveSequenceNumbers(parseSequenceSet('*'), 0)).toThrow(SequenceSetError);
    expect(() => resolveSequenceNumbers(parseSequenceSet('1:*'), 0)).toThrow(SequenceSetError);
  });
});

describe('resolveUidSet (RFC 9051 §9)', () => {
  const uids = [3, 4, 10, 11, 12, 40];

  it('returns sequence numbers of the UIDs that exist, ignoring the rest', () => {
    expect(resolveUidSet(parseSequenceSet('1:4'), uids)).toEqual([1, 2]);
    expect(resolveUidSet(parseSequenceSet('5:9'), uids)).toEqual([]);
    expect(resolveUidSet(parseSequenceSet('11,40,4294967295'), uids)).toEqual([4, 6]);
    expect(resolveUidSet(parseSequenceSet('1:*'), uids)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('lets * be the highest UID, so 559:* still names the last message', () => {
    expect(resolveUidSet(parseSequenceSet('559:*'), uids)).toEqual([6]);
    expect(resolveUidSet(parseSequenceSet('*'), uids)).toEqual([6]);
    expect(resolveUidSet(parseSequenceSet('*:11'), uids)).toEqual([4, 5, 6]);
  });

  it('matches nothing in an empty mailbox', () => {
    expect(resolveUidSet(parseSequenceSet('1:*'), [])).toEqual([]);
  });
});

describe('sequenceSetContains', () => {
  it('is a membership test with * bound to the given value', () => {
    const set = parseSequenceSet('2,5:*');
    expect([1, 2, 3, 5, 9].map((n) => sequenceSetContains(set, n, 9))).toEqual([false, true, false, true, true]);
    expect(sequenceSetContains(parseSequenceSet('20:*'), 9, 9)).toBe(true);
  });
});

describe('formatSequenceSet', () => {
  it('joins ascending runs and keeps the order', () => {
    expect(formatSequenceSet([1, 2, 3, 5])).toBe('1:3,5');
    expect(formatSequenceSet([7])).toBe('7');
    expect(formatSequenceSet([])).toBe('');
    expect(formatSequenceSet([9, 10, 4, 5, 6, 1])).toBe('9:10,4:6,1');
  });
});

describe('sequence sets under random input', () => {
  it('parse or throw SequenceSetError, and resolve within the mailbox', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9*:,]{0,20}$/), fc.integer({ min: 0, max: 50 }), (text, count) => {
        let set;
        try {
          set = parseSequenceSet(text);
        } catch (err) {
          expect(err).toBeInstanceOf(SequenceSetError);
          return;
        }
        const uids = Array.from({ length: count }, (_, i) => 2 * i + 1);
        for (const seq of resolveUidSet(set, uids)) expect(seq >= 1 && seq <= count).toBe(true);
        try {
          for (const seq of resolveSequenceNumbers(set, count)) expect(seq >= 1 && seq <= count).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(SequenceSetError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
