import { describe, expect, it } from 'vitest';
import { DirectorySearchIndex, type DirectoryEntry } from '../../src/directory/directory-search.js';

const vp = { address: 'vpubnd@cantho.gov.vn', name: 'Văn phòng UBND thành phố' };
const stt = { address: 'sotttt@cantho.gov.vn', name: 'Sở Thông tin và Truyền thông' };
const person = (address: string, name: string, unit: typeof vp, title: string | null = null): DirectoryEntry => ({
  kind: 'person',
  address,
  name,
  unit,
  title,
  phone: null,
});
const entries: DirectoryEntry[] = [
  { kind: 'unit', ...vp, unit: null, title: null, phone: null },
  { kind: 'unit', ...stt, unit: null, title: null, phone: null },
  person('annv@cantho.gov.vn', 'Nguyễn Văn Ân', vp, 'Chánh Văn phòng'),
  person('annv2@cantho.gov.vn', 'Nguyễn Văn An', stt, 'Chuyên viên'),
  person('daott@cantho.gov.vn', 'Trần Thị Đào', stt, 'Giám đốc'),
  person('binhlq@cantho.gov.vn', 'Lê Quang Bình', vp),
];
const directory = await DirectorySearchIndex.build(entries);
const names = (query: string) => directory.search(query).map((e) => e.name);

describe('directory search', () => {
  it('finds Nguyễn Văn Ân from "nguyen van an", without diacritics or case', () => {
    expect(names('nguyen van an')).toEqual(['Nguyễn Văn An', 'Nguyễn Văn Ân']);
    expect(names('NGUYỄN VĂN ÂN')).toEqual(['Nguyễn Văn An', 'Nguyễn Văn Ân']);
  });

  it('maps đ to d', () => {
    expect(names('tran thi dao')).toEqual(['Trần Thị Đào']);
    expect(names('Đào')).toEqual(['Trần Thị Đào']);
  });

  it('matches the beginning of words, not their middle', () => {
    expect(names('ngu')).toEqual(['Nguyễn Văn An', 'Nguyễn Văn Ân']);
    // "an" begins "An"/"Ân", but is only inside "Quang" and "Đào": Bình is not found.
    expect(names('an')).toEqual(['Nguyễn Văn An', 'Nguyễn Văn Ân']);
  });

  it('searches unit, title and address too, with name matches first', () => {
    expect(names('giam doc')).toEqual(['Trần Thị Đào']);
    expect(names('so thong tin')).toEqual(['Sở Thông tin và Truyền thông', 'Nguyễn Văn An', 'Trần Thị Đào']);
    expect(names('binhlq@cantho.gov.vn')).toEqual(['Lê Quang Bình']);
    expect(names('van phong')[0]).toBe('Văn phòng UBND thành phố');
  });

  it('needs every word to match, and finds nothing for an empty query', () => {
    expect(names('nguyen dao')).toEqual([]);
    expect(names('   ')).toEqual([]);
  });

  it('puts the exact name first and respects the limit', () => {
    expect(names('nguyễn văn ân')[0]).toBe('Nguyễn Văn An');
    expect(directory.search('cantho', 2)).toHaveLength(2);
  });
});
