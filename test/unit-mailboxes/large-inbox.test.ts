import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Flag } from '../../src/store/index.js';
import { noticesOf } from './real-clients.js';
import { startUnitServer, UNIT, unitMessage, type UnitServer } from './support.js';

/**
 * Unit diligence over a unit INBOX of several hundred messages (docs/architecture.md invariant 2):
 * the job reads the INBOX a page at a time and ages the messages between event-loop turns; what
 * the reminder and the digest say must be what one reading of the whole INBOX says. Messages go
 * in through the store (hundreds of IMAP APPENDs would only slow the test); the notices are read
 * back with Python's imaplib. Working hours 07:00-11:30 and 13:00-17:00, Monday to Friday.
 */
const COUNT = 450;
let unit: UnitServer;
let now = new Date('2027-01-07T08:00:00Z');
const at = (local: string) => new Date(`${local}+07:00`);
const subjectOf = (n: number) => `Công văn số ${n}/SYT`;

/** Every fifth message read, every seventh on its way out (\Deleted), every eleventh handled. */
function flagsOf(n: number): Flag[] {
  return [...(n % 5 === 0 ? ['\\Seen'] : []), ...(n % 7 === 0 ? ['\\Deleted'] : []), ...(n % 11 === 0 ? ['$Handled'] : [])] as Flag[];
}
const waiting = Array.from({ length: COUNT }, (_, n) => n).filter((n) => flagsOf(n).length === 0);

beforeAll(async () => {
  unit = await startUnitServer({ config: { units: { reminder_hours: 4, digest_at: '16:00', check_every: '1h' } }, clock: () => now });
  const inbox = (await unit.store.getMailbox(UNIT, 'INBOX'))!;
  // Thursday 08:00: overdue by Monday. One message on Monday morning is not overdue yet.
  await unit.store.appendMessages(
    inbox.id,
    Array.from({ length: COUNT }, (_, n) => ({ raw: unitMessage(subjectOf(n)), flags: flagsOf(n), internalDate: at('2027-01-07T08:00:00') })),
  );
  await unit.store.appendMessages(inbox.id, [{ raw: unitMessage('Công văn mới sáng thứ Hai'), internalDate: at('2027-01-11T08:30:00') }]);
}, 240_000);
afterAll(async () => {
  await unit?.close();
});

const check = () => unit.server.server.unitDiligence.check();

describe('diligence over a large unit INBOX (Điều 9.2)', () => {
  test('one reminder names exactly the overdue unread messages, in UID order, none read, deleted or handled', async () => {
    now = at('2027-01-11T09:00:00');
    expect(await check()).toEqual({ reminded: waiting.length, digests: 0 });
    const notices = await noticesOf(unit.server.ports.imap, 'truonglv', 'Nhắc việc');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.subject).toBe(`Nhắc việc: ${waiting.length} thư chưa đọc quá 4,0 giờ làm việc trong hộp thư Văn phòng UBND thành phố`);
    const named = [...notices[0]!.body.matchAll(/Tiêu đề: Công văn số (\d+)\/SYT\n {2}Đã chờ: 18,0 giờ làm việc/g)].map((m) => Number(m[1]));
    expect(named).toEqual(waiting);
    expect(notices[0]!.body).not.toContain('Công văn mới sáng thứ Hai');
  });

  test("the day's digest lists every message still unread, the new one included", async () => {
    now = at('2027-01-11T16:30:00');
    expect(await check()).toEqual({ reminded: 1, digests: 1 });
    const digests = await noticesOf(unit.server.ports.imap, 'annv', 'Tổng hợp hộp thư');
    expect(digests).toHaveLength(1);
    const body = digests[0]!.body;
    expect(body).toContain(`Thư còn chưa đọc trong hộp thư đến (${waiting.length + 1}):`);
    const listed = [...body.matchAll(/^- Sở Thông tin và Truyền thông <sotttt@cantho\.gov\.vn>: Công văn số (\d+)\/SYT \(đã chờ 24,0 giờ làm việc\)$/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(waiting);
    expect(body).toContain(': Công văn mới sáng thứ Hai (đã chờ 6,5 giờ làm việc)');
  });
});
