import { describe, expect, it } from 'vitest';
import type { DirectoryEntry } from '../../src/directory/directory-search.js';
import { foldLine, toVCards } from '../../src/directory/vcard.js';

const vp = { address: 'vpubnd@cantho.gov.vn', name: 'Văn phòng UBND thành phố' };
const entries: DirectoryEntry[] = [
  { kind: 'person', address: 'annv@cantho.gov.vn', name: 'Nguyễn Văn Ân', unit: vp, title: 'Chánh Văn phòng; phụ trách, tổng hợp', phone: '0292 3820 123' },
  { kind: 'unit', ...vp, unit: null, title: null, phone: null },
];

describe('vCard 4.0 export (RFC 6350)', () => {
  it('writes one card per unit and person, units first, with CRLF line ends', () => {
    expect(toVCards(entries)).toBe(
      [
        'BEGIN:VCARD',
        'VERSION:4.0',
        'KIND:org',
        'UID:mailto:vpubnd@cantho.gov.vn',
        'FN:Văn phòng UBND thành phố',
        'ORG:Văn phòng UBND thành phố',
        'EMAIL;TYPE=work:vpubnd@cantho.gov.vn',
        'END:VCARD',
        'BEGIN:VCARD',
        'VERSION:4.0',
        'KIND:individual',
        'UID:mailto:annv@cantho.gov.vn',
        'FN:Nguyễn Văn Ân',
        'N:Nguyễn;Ân;Văn;;',
        'ORG:Văn phòng UBND thành phố',
        'TITLE:Chánh Văn phòng\\; phụ trách\\, tổng hợp',
        'EMAIL;TYPE=work:annv@cantho.gov.vn',
        'TEL;TYPE=work,voice:0292 3820 123',
        'END:VCARD',
        '',
      ].join('\r\n'),
    );
  });

  it('folds lines at 75 octets without splitting a UTF-8 character (§3.2)', () => {
    const line = `FN:${'Ứ'.repeat(60)}`;
    const folded = foldLine(line);
    const physical = folded.split('\r\n');
    expect(physical.length).toBeGreaterThan(1);
    for (const piece of physical) expect(Buffer.byteLength(piece, 'utf8')).toBeLessThanOrEqual(75);
    for (const piece of physical.slice(1)) expect(piece.startsWith(' ')).toBe(true);
    // Unfolding (remove CRLF + one space) gives the line back.
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(folded).not.toContain('\uFFFD');
  });

  it('leaves short lines alone', () => {
    expect(foldLine('FN:An')).toBe('FN:An');
  });
});
