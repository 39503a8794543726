import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assignUnitMessage } from '../../src/maintenance/index.js';
import { appendToUnit, noticesOf } from './real-clients.js';
import { startUnitServer, type StoreConfig, type UnitServer } from './support.js';

/**
 * The daily digest of a unit mailbox (Điều 9.2; docs/architecture.md "Unit mailboxes"): once per
 * working day after `[units] digest_at` (07:30 here), the head and the delegates get one summary:
 * received since the start of the previous working day with their states, assignments, and every
 * message still unread. Reminders are off (`reminder_hours = 0`) to look at the digest alone; the
 * clock is injected and the digests are read back with Python's imaplib.
 */
export function describeDigests(backend: string, storeConfig: StoreConfig): void {
  describe(`the daily digest of a unit mailbox (Điều 9.2) on ${backend}`, () => {
    let unit: UnitServer;
    let now = new Date('2027-01-07T08:00:00Z');
    const at = (local: string) => new Date(`${local}+07:00`);
    const DIGEST = 'Tổng hợp hộp thư';

    beforeAll(async () => {
      unit = await startUnitServer({ config: { ...(await storeConfig()), units: { reminder_hours: 0, digest_at: '07:30', check_every: '1h' } }, clock: () => now });
      const port = unit.server.ports.imap;
      await appendToUnit(port, 'Công văn cũ 1/SYT', at('2027-01-06T09:00:00'));
      await appendToUnit(port, 'Công văn 2/SYT thứ Sáu', at('2027-01-08T09:00:00'));
      await appendToUnit(port, 'Công văn 3/SYT thứ Bảy', at('2027-01-09T10:00:00'), ['\\Seen']);
      await appendToUnit(port, 'Công văn 4/SYT giao xử lý', at('2027-01-09T11:00:00'));
      const ctx = unit.server.server.context;
      now = at('2027-01-09T12:00:00');
      await assignUnitMessage(ctx.directory, ctx.store, { unit: 'vpubnd', uid: 4, to: 'annv@cantho.gov.vn', note: 'Anh An xử lý.', actor: 'truonglv@cantho.gov.vn' });
    }, 240_000);
    afterAll(async () => {
      await unit?.close();
    });

    const check = () => unit.server.server.unitDiligence.check();

    test('not before digest_at; then one digest to the head and each delegate, covering Friday and the weekend', async () => {
      now = at('2027-01-11T07:00:00');
      expect(await check()).toEqual({ reminded: 0, digests: 0 });
      now = at('2027-01-11T07:45:00');
      expect(await check()).toEqual({ reminded: 0, digests: 1 });
      for (const who of ['truonglv', 'annv', 'binhtt']) {
        const digests = await noticesOf(unit.server.ports.imap, who, DIGEST);
        expect(digests.map((d) => d.subject)).toEqual(['Tổng hợp hộp thư Văn phòng UBND thành phố ngày 11/01/2027']);
      }
      const [digest] = await noticesOf(unit.server.ports.imap, 'truonglv', DIGEST);
      expect(digest!.body).toContain('Thư nhận được từ ngày 08/01/2027: 3 (chưa đọc: 1, đã đọc: 1, đã giao xử lý: 1, đã xử lý: 0).');
      expect(digest!.body).toContain('Thư đã giao xử lý:\n- Công văn 4/SYT giao xử lý → annv@cantho.gov.vn (giao bởi truonglv@cantho.gov.vn)');
      expect(digest!.body).toContain('Thư còn chưa đọc trong hộp thư đến (2):\n- Sở Y tế <vanthu@soyte.example>: Công văn cũ 1/SYT (đã chờ');
      expect(digest!.body).toContain('- Sở Y tế <vanthu@soyte.example>: Công văn 2/SYT thứ Sáu (đã chờ 7,3 giờ làm việc)');
      expect(await noticesOf(unit.server.ports.imap, 'dungdt', DIGEST)).toEqual([]);
    });

    test('once a day: later checks the same day send nothing, the next working day gets its own, the weekend none', async () => {
      now = at('2027-01-11T16:00:00');
      expect(await check()).toEqual({ reminded: 0, digests: 0 });
      now = at('2027-01-12T07:31:00');
      expect(await check()).toEqual({ reminded: 0, digests: 1 });
      expect(await check()).toEqual({ reminded: 0, digests: 0 });
      now = at('2027-01-16T09:00:00');
      expect(await check()).toEqual({ reminded: 0, digests: 0 });
      const digests = await noticesOf(unit.server.ports.imap, 'annv', DIGEST);
      expect(digests.map((d) => d.subject)).toEqual([
        'Tổng hợp hộp thư Văn phòng UBND thành phố ngày 11/01/2027',
        'Tổng hợp hộp thư Văn phòng UBND thành phố ngày 12/01/2027',
      ]);
    });
  });
}
