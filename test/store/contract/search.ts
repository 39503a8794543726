import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../../src/store/index.js';
import type { MailboxInfo } from '../../../src/store/types.js';
import { annv, deliverSearchSamples } from './samples.js';
import type { OpenBackend, StoreBackend } from './backend.js';

/** SEARCH text criteria (RFC 9051 §6.4.4): substrings, fields, Vietnamese folded (docs/architecture.md "Store"). */
export function describeSearchContract(open: OpenBackend): void {
  let t: StoreBackend;
  let inbox: MailboxInfo;

  beforeEach(async () => {
    t = await open();
    await deliverSearchSamples(t.store);
    inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
  });
  afterEach(async () => {
    await t.cleanup();
  });

  const search = async (field: Parameters<MailStore['searchText']>[1], query: string) => [...(await t.store.searchText(inbox.id, field, query))];

  describe('full-text search, folded for Vietnamese', () => {
    it('finds "nguyen van an" in Nguyễn Văn Ân, and đ through d', async () => {
      expect(await search('from', 'nguyen van an')).toEqual([1]);
      expect(await search('from', 'NGUYỄN VĂN ÂN')).toEqual([1]);
      expect(await search('subject', 'dao tao')).toEqual([1]);
      expect(await search('from', 'Đào')).toEqual([2]);
      expect(await search('body', 'de nghi so noi vu')).toEqual([1]);
    });

    it('looks only in the field asked for; TEXT looks everywhere', async () => {
      expect(await search('subject', 'nguyen')).toEqual([]);
      expect(await search('cc', 'le an')).toEqual([2]);
      expect(await search('to', 'nguyen van an')).toEqual([1, 2]);
      expect(await search('text', 'hop')).toEqual([2]);
      expect(await search('text', 'ke hoach')).toEqual([1]);
    });

    it('matches any substring, inside words too (RFC 3501 §6.4.4)', async () => {
      expect(await search('subject', 'ke hoa')).toEqual([1]);
      expect(await search('subject', 'e hoac')).toEqual([1]);
      expect(await search('subject', 'hoach ke')).toEqual([]);
      expect(await search('from', 'aott@cantho')).toEqual([2]);
      expect(await search('body', 'uyệt.')).toEqual([1]);
    });

    it('finds strings of one or two characters, and strings without letters', async () => {
      expect(await search('body', '8')).toEqual([2]);
      expect(await search('body', 'ệt')).toEqual([1]);
      expect(await search('body', '.')).toEqual([1, 2]);
      expect(await search('subject', '.')).toEqual([]);
      expect(await search('cc', '@')).toEqual([2]);
    });

    it('treats quotes, boolean words and wildcards in the query as text', async () => {
      expect(await search('subject', '"lich" OR NOT')).toEqual([]);
      expect(await search('subject', 'lịch*')).toEqual([]);
      expect(await search('subject', 'l?ch')).toEqual([]);
      expect(await search('subject', '[l]ich')).toEqual([]);
      expect(await search('subject', '')).toEqual([1, 2]);
    });

    it('TEXT and HEADER see every header field', async () => {
      expect(await search('text', 'message-id: <')).toEqual([1, 2]);
      expect(await search('header', 'subject: lich hop')).toEqual([2]);
    });
  });
}
