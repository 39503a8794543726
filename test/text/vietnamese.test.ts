import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldVietnamese, withoutVietnameseMarks } from '../../src/text/vietnamese.js';

describe('Vietnamese folding', () => {
  it('folds names with marks and đ, and leaves ASCII text as it is but for case', () => {
    expect(foldVietnamese('Nguyễn Văn Ân')).toBe('nguyen van an');
    expect(foldVietnamese('Đặng Thị Đào')).toBe('dang thi dao');
    expect(withoutVietnameseMarks('Thư đã nhận')).toBe('Thu da nhan');
    expect(foldVietnamese('Meeting AT 9:00, Room B')).toBe('meeting at 9:00, room b');
    expect(withoutVietnameseMarks('Re: Report Q4')).toBe('Re: Report Q4');
  });

  it('gives the same text for ASCII and non-ASCII input as the full normalisation does', () => {
    // The definition in src/text/vietnamese.ts without its ASCII shortcut.
    const marksRemoved = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary-ascii' }), fc.string({ unit: 'grapheme' })), (text) => {
        expect(withoutVietnameseMarks(text)).toBe(marksRemoved(text));
        expect(foldVietnamese(text)).toBe(marksRemoved(text).toLowerCase().normalize('NFC'));
      }),
    );
  });
});
