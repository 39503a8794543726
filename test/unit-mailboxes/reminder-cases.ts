import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../../src/server.js';
import { TEST_ARGON2 } from '../helpers/server.js';
import { appendToUnit, noticesOf } from './real-clients.js';
import { startUnitServer, type StoreConfig, type UnitServer } from './support.js';

/**
 * Điều 9.2 reminders (docs/architecture.md "Unit mailboxes"): a unit INBOX message nobody answering
 * for the unit has read for more than 4 working hours is named in exactly one reminder to the head
 * and the delegates. Working hours 07:00-11:30 and 13:00-17:00, Monday to Friday, Asia/Ho_Chi_Minh;
 * Friday 8 January 2027 is a holiday here. The clock is injected; mail goes in by IMAP APPEND and
 * the reminders are read back with Python's imaplib.
 */
export function describeReminders(backend: string, storeConfig: StoreConfig): void {
  describe(`reminders of unread unit mail (Điều 9.2) on ${backend}`, () => {
    let unit: UnitServer;
    let now = new Date('2027-01-07T08:00:00Z');
    const at = (local: string) => new Date(`${local}+07:00`);

    beforeAll(async () => {
      unit = await startUnitServer({ config: { ...(await storeConfig()), units: { holidays: ['2027-01-08'], check_every: '1h' } }, clock: () => now });
      // Thursday 15:00: two working hours are left that day.
      await appendToUnit(unit.server.ports.imap, 'Công văn 12/SYT chưa ai đọc', at('2027-01-07T15:00:00'));
      await appendToUnit(unit.server.ports.imap, 'Công văn 13/SYT đã đọc', at('2027-01-07T15:00:00'), ['\\Seen']);
    }, 240_000);
    afterAll(async () => {
      await unit?.close();
    });

    const check = () => unit.server.server.unitDiligence.check();

    test('the weekend and a holiday do not count: Monday 08:30 is 3.5 working hours later, no reminder', async () => {
      now = at('2027-01-11T08:30:00');
      expect(await check()).toEqual({ reminded: 0, digests: 1 });
      expect(await noticesOf(unit.server.ports.imap, 'truonglv', 'Nhắc việc')).toEqual([]);
    });

    test('past 4 working hours, the unread message is named in one reminder to the head and each delegate', async () => {
      now = at('2027-01-11T10:00:00');
      expect(await check()).toEqual({ reminded: 1, digests: 0 });
      for (const who of ['truonglv', 'annv', 'binhtt']) {
        const notices = await noticesOf(unit.server.ports.imap, who, 'Nhắc việc');
        expect(notices).toHaveLength(1);
        expect(notices[0]!.subject).toBe('Nhắc việc: 1 thư chưa đọc quá 4,0 giờ làm việc trong hộp thư Văn phòng UBND thành phố');
        expect(notices[0]!.body).toContain('- Người gửi: Sở Y tế <vanthu@soyte.example>\n  Tiêu đề: Công văn 12/SYT chưa ai đọc\n  Đã chờ: 5,0 giờ làm việc');
        expect(notices[0]!.body).not.toContain('13/SYT');
      }
      expect(await noticesOf(unit.server.ports.imap, 'dungdt', 'Nhắc việc')).toEqual([]);
    });

    test('never twice for the same message, however many checks follow', async () => {
      now = at('2027-01-12T16:00:00');
      expect(await check()).toEqual({ reminded: 0, digests: 1 });
      expect(await check()).toEqual({ reminded: 0, digests: 0 });
      expect(await noticesOf(unit.server.ports.imap, 'truonglv', 'Nhắc việc')).toHaveLength(1);
    });

    test('a message read in time yields no reminder; a new overdue one gets a reminder naming only it', async () => {
      await appendToUnit(unit.server.ports.imap, 'Công văn 14/SYT đọc kịp', at('2027-01-13T08:00:00'), ['\\Seen']);
      await appendToUnit(unit.server.ports.imap, 'Công văn 15/SYT chưa ai đọc', at('2027-01-13T08:00:00'));
      now = at('2027-01-13T14:00:00');
      expect(await check()).toEqual({ reminded: 1, digests: 1 });
      const notices = await noticesOf(unit.server.ports.imap, 'annv', 'Nhắc việc');
      expect(notices).toHaveLength(2);
      expect(notices[1]!.body).toContain('Tiêu đề: Công văn 15/SYT chưa ai đọc\n  Đã chờ: 4,5 giờ làm việc');
      expect(notices[1]!.body).not.toMatch(/12\/SYT|14\/SYT/);
    });

    test('a restart on the same data names none of them again', async () => {
      await unit.server.server.close();
      const restarted = await startServer(unit.server.config, { logger: pino({ level: 'silent' }), directory: { argon2: TEST_ARGON2 }, clock: () => now });
      try {
        now = at('2027-01-14T16:00:00');
        expect(await restarted.unitDiligence.check()).toEqual({ reminded: 0, digests: 1 });
      } finally {
        await restarted.close();
      }
    });
  });
}
