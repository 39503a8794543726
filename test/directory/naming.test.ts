import { describe, expect, it } from 'vitest';
import { localPartProblem, toLocalPart } from '../../src/directory/address.js';
import { firstFreeLocalPart, localPartFromName, parsePersonName } from '../../src/directory/naming.js';
import { DirectoryError } from '../../src/directory/types.js';

const DEFAULT_PATTERN = '{given}{initials}';
const base = (name: string, pattern = DEFAULT_PATTERN) => localPartFromName(parsePersonName(name), pattern);

/** Allocates addresses the way the directory does: the generated base, or its smallest free number. */
function allocator() {
  const taken = new Set<string>(['postmaster', 'admin']);
  return (name: string) => {
    const address = firstFreeLocalPart(base(name), (candidate) => taken.has(candidate));
    taken.add(address);
    return address;
  };
}

describe('tên_sd from a Vietnamese full name, pattern {given}{initials}', () => {
  it.each([
    ['Nguyễn Văn An', 'annv'],
    ['Trần Thị Đào', 'daott'],
    ['Lê Ân', 'anl'],
    ['Phạm Minh Chính', 'chinhpm'],
    ['Võ Văn Thưởng', 'thuongvv'],
    ['Nguyễn Xuân Phúc', 'phucnx'],
    ['Đỗ Mười', 'muoid'],
    ['Nguyễn Thị Kim Ngân', 'nganntk'],
    ['Vương Đình Huệ', 'huevd'],
    ['Trương Thị Mai', 'maitt'],
    ['Đặng Thị Ngọc Thịnh', 'thinhdtn'],
    ['Lê Minh Khái', 'khailm'],
    ['Trần Hồng Hà', 'hath'],
    ['Bùi Thanh Sơn', 'sonbt'],
    ['Hồ Đức Phớc', 'phochd'],
    ['Phan Văn Khải', 'khaipv'],
    ['Võ Nguyên Giáp', 'giapvn'],
    ['Huỳnh Tấn Phát', 'phatht'],
    ['Dương Văn Minh', 'minhdv'],
    ['Đoàn Thị Điểm', 'diemdt'],
    ['Hoàng Trung Hải', 'haiht'],
    ['Tôn Đức Thắng', 'thangtd'],
    ['Lý Thường Kiệt', 'kietlt'],
    ['Trịnh Công Sơn', 'sontc'],
    ['Châu Văn Liêm', 'liemcv'],
    ['Đinh Tiên Hoàng', 'hoangdt'],
    ['Mạc Đĩnh Chi', 'chimd'],
    ['Lương Thế Vinh', 'vinhlt'],
    ['Nguyễn Phúc Vĩnh Thụy', 'thuynpv'],
    ['Tạ Quang Bửu', 'buutq'],
    ['Ưng Hoàng Phúc', 'phucuh'],
    ['Đàm Vĩnh Hưng', 'hungdv'],
    ['Kha Vạn Cân', 'cankv'],
    ['Quách Thị Hồ', 'hoqt'],
    ['Y Moan Niê', 'nieym'],
  ])('%s → %s', (name, expected) => {
    expect(base(name)).toBe(expected);
  });

  it('gives a second and third identical name the smallest free numbers', () => {
    const allocate = allocator();
    expect(['Nguyễn Văn An', 'Nguyễn Văn An', 'Nguyễn Văn An'].map(allocate)).toEqual(['annv', 'annv2', 'annv3']);
  });

  it('treats names that differ only in diacritics or đ/Đ as the same base', () => {
    const allocate = allocator();
    expect(allocate('Nguyễn Văn An')).toBe('annv');
    expect(allocate('Nguyễn Văn Ân')).toBe('annv2');
    expect(allocate('Nguyen Van An')).toBe('annv3');
    expect(allocate('Đặng Văn Đạt')).toBe('datdv');
    expect(allocate('Dang Van Dat')).toBe('datdv2');
    expect(allocate('đặng văn đạt')).toBe('datdv3');
  });

  it('takes the smallest free number, not one past the highest', () => {
    const taken = new Set(['annv', 'annv3']);
    expect(firstFreeLocalPart(toLocalPart('annv'), (c) => taken.has(c))).toBe('annv2');
  });

  it('numbers past a reserved name', () => {
    const allocate = allocator();
    expect(allocate('Admin')).toBe('admin2');
  });

  it('ignores extra spaces, capitals and NFD input', () => {
    expect(base('  Nguyễn   Văn\tAn  ')).toBe('annv');
    expect(base('NGUYỄN VĂN AN')).toBe('annv');
    expect(base('nguyễn văn an')).toBe('annv');
    const nfd = 'Trần Thị Đào'.normalize('NFD');
    expect(nfd).not.toBe('Trần Thị Đào');
    expect(base(nfd)).toBe('daott');
    expect(parsePersonName(nfd).display).toBe('Trần Thị Đào');
    expect(parsePersonName('  Lê   Ân ').display).toBe('Lê Ân');
  });

  it('makes a one-word name its given name', () => {
    expect(base('An')).toBe('an');
    expect(base('Đào')).toBe('dao');
    expect(parsePersonName('Đào')).toMatchObject({ family: '', middle: [], given: 'dao' });
  });

  it('keeps hyphenated and apostrophe names', () => {
    expect(base('Hồ-Nguyễn Văn An')).toBe('anhv');
    expect(base("H'Hen Niê")).toBe('nieh');
  });

  it.each([[''], ['   '], ['123'], ['Nguyễn Văn 2'], ['An@'], ['Nguyễn_Văn'], ['李小龍']])('refuses the name %j', (name) => {
    expect(() => parsePersonName(name)).toThrow(DirectoryError);
    try {
      parsePersonName(name);
    } catch (error) {
      expect((error as DirectoryError).code).toBe('invalid-name');
    }
  });
});

describe('other naming.person patterns', () => {
  it.each([
    ['{given}.{family}', 'Nguyễn Văn An', 'an.nguyen'],
    ['{family}{given}', 'Trần Thị Đào', 'trandao'],
    ['{family}.{middle}.{given}', 'Nguyễn Thị Kim Ngân', 'nguyen.thikim.ngan'],
    ['{family}.{middle}.{given}', 'Lê Ân', 'le.an'],
    ['{given}.{family}', 'An', 'an'],
    ['{initials}{given}', 'Đỗ Mười', 'dmuoi'],
  ])('%s makes %s → %s', (pattern, name, expected) => {
    expect(base(name, pattern)).toBe(expected);
  });

  it('refuses a pattern that cannot make an address', () => {
    expect(() => base('Nguyễn Văn An', '{given}+{family}')).toThrow(/naming.person pattern/);
  });

  it('shortens a long base so that the number still fits in 64 characters', () => {
    const long = toLocalPart('a'.repeat(64));
    const free = firstFreeLocalPart(long, (c) => c === long);
    expect(free).toBe(`${'a'.repeat(63)}2`);
  });
});

describe('local-part syntax (DESIGN.md "Addresses")', () => {
  it.each([['annv'], ['a'], ['an.nv'], ['an_nv'], ['an-nv'], ['0123'], ['a'.repeat(64)]])('accepts %j', (candidate) => {
    expect(localPartProblem(candidate)).toBeNull();
  });

  it.each([
    ['', 'is empty'],
    ['a'.repeat(65), 'is longer than 64 characters'],
    ['.an', 'may not start or end with "."'],
    ['an.', 'may not start or end with "."'],
    ['an..nv', 'may not contain ".."'],
    ['an nv', 'may contain only a-z, 0-9, ".", "_" and "-"'],
    ['an+x', 'may contain only a-z, 0-9, ".", "_" and "-"'],
    ['đào', 'may contain only a-z, 0-9, ".", "_" and "-"'],
    ['AnNV', 'may contain only a-z, 0-9, ".", "_" and "-"'],
  ])('refuses %j: %s', (candidate, problem) => {
    expect(localPartProblem(candidate)).toBe(problem);
  });

  it('reads an admin-given address in any case', () => {
    expect(toLocalPart('VPUBND')).toBe('vpubnd');
    expect(() => toLocalPart('an..nv')).toThrow('invalid address "an..nv": may not contain ".."');
  });
});
