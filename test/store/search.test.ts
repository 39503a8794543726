import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailboxInfo } from '../../src/store/types.js';
import { annv, daott, message, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
let inbox: MailboxInfo;

beforeEach(async () => {
  t = openTestStore();
  await t.store.deliver(
    [{ account: annv, folder: 'INBOX' }],
    message({ subject: 'Kế hoạch đào tạo', from: 'Nguyễn Văn Ân <anvn@cantho.gov.vn>', body: 'Đề nghị Sở Nội vụ phê duyệt.' }),
  );
  await t.store.deliver(
    [{ account: annv, folder: 'INBOX' }],
    message({ subject: 'Lịch họp', from: 'Trần Thị Đào <daott@cantho.gov.vn>', cc: 'Lê Ân <anl@cantho.gov.vn>', body: 'Họp lúc 8 giờ.' }),
  );
  await t.store.deliver(
    [{ account: daott, folder: 'INBOX' }],
    message({ subject: 'Kế hoạch khác', from: 'Nguyễn Văn Ân <anvn@cantho.gov.vn>' }),
  );
  inbox = t.store.getMailbox(annv, 'INBOX')!;
});
afterEach(async () => {
  await t.cleanup();
});

const search = (field: Parameters<typeof t.store.searchText>[1], query: string) => [...t.store.searchText(inbox.id, field, query)];

describe('full-text search, folded for Vietnamese', () => {
  it('finds "nguyen van an" in Nguyễn Văn Ân, and đ through d', () => {
    expect(search('from', 'nguyen van an')).toEqual([1]);
    expect(search('from', 'NGUYỄN VĂN ÂN')).toEqual([1]);
    expect(search('subject', 'dao tao')).toEqual([1]);
    expect(search('from', 'Đào')).toEqual([2]);
    expect(search('body', 'de nghi so noi vu')).toEqual([1]);
  });

  it('looks only in the field asked for; TEXT looks everywhere', () => {
    expect(search('subject', 'nguyen')).toEqual([]);
    expect(search('cc', 'le an')).toEqual([2]);
    expect(search('to', 'nguyen van an')).toEqual([1, 2]);
    expect(search('text', 'hop')).toEqual([2]);
    expect(search('text', 'ke hoach')).toEqual([1]);
  });

  it('matches a word prefix at the end, and adjacent words only', () => {
    expect(search('subject', 'ke hoa')).toEqual([1]);
    expect(search('subject', 'hoach ke')).toEqual([]);
  });

  it('treats quotes and FTS operators in the query as text', () => {
    expect(search('subject', '"lich" OR NOT')).toEqual([]);
    expect(search('subject', 'lịch*')).toEqual([2]);
    expect(search('subject', '')).toEqual([1, 2]);
  });
});
