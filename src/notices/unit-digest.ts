import type { Directory, DiligenceUnit } from '../directory/index.js';
import { readUnitInbox, type UnitInboxMessage, type UnitInboxStore } from '../maintenance/index.js';
import type { DiligenceStore } from '../store/index.js';
import { renderTemplate } from './templates.js';
import { formatHours, sendUnitNotice, unitPlaceholders, type UnitNoticeDeps } from './unit-notice.js';
import type { LocalDay, WorkingCalendar } from './working-calendar.js';

/**
 * The daily digest of a unit mailbox (Điều 9.2; docs/architecture.md "Unit mailboxes"): on each
 * working day, once the unit's `digest_at` has passed, the head and the delegates get one message
 * (config/templates/unit-digest.txt): what came in since the start of the previous working day
 * (so Monday's digest covers Friday and the weekend) and the state of each now, who got the
 * messages assigned in that time (the audit log's `unit.assign`), and every message of the INBOX
 * still unread. The day is recorded in the digest's delivery transaction: one digest per day,
 * restarts included.
 */

export interface UnitDigestDeps extends UnitNoticeDeps {
  readonly store: UnitNoticeDeps['store'] & UnitInboxStore;
  readonly directory: Pick<Directory, 'queryAudit'>;
  readonly diligence: Pick<DiligenceStore, 'digestSent'>;
  readonly calendar: WorkingCalendar;
}

/** Sends today's digest when it is due and not yet sent; returns whether it sent one. */
export async function sendDueDigest(deps: UnitDigestDeps, unit: DiligenceUnit, now: Date): Promise<boolean> {
  if (unit.digestAt === null || unit.keepers.length === 0) return false;
  const { calendar } = deps;
  const today = calendar.local(now);
  if (!calendar.isWorkingDay(today.day) || today.minutes < unit.digestAt || (await deps.diligence.digestSent(unit.address, today.day))) return false;
  const from = calendar.previousWorkingDay(today.day);
  const since = calendar.instant(from, 0);
  const inbox = await readUnitInbox(deps.store, unit, { wanted: (message) => message.state === 'unread' || message.internalDate >= since });
  const messages = inbox?.messages ?? [];
  const received = messages.filter((message) => message.internalDate >= since);
  const count = (state: UnitInboxMessage['state']) => String(received.filter((message) => message.state === state).length);
  const unread = messages.filter((message) => message.state === 'unread');
  const waited = await calendar.workingHoursSince(
    unread.map((message) => message.internalDate),
    now,
  );
  const subjects = new Map(messages.map((message) => [message.uid as number, message.subject]));
  const assignments = deps.directory
    .queryAudit({ subject: unit.address, since: since.toISOString() })
    .filter((row) => row.action === 'unit.assign')
    .map((row) => {
      const detail = (row.detail ?? {}) as { uid?: number; to?: string };
      return `- ${subjects.get(detail.uid ?? 0) ?? `UID ${detail.uid}`} → ${detail.to} (giao bởi ${row.actor})`;
    });
  const rendered = renderTemplate(deps.config.paths.templates, 'unit-digest', {
    ...unitPlaceholders(deps.config, unit),
    ngay: vietnameseDate(today.day),
    tu_ngay: vietnameseDate(from),
    so_thu_nhan: String(received.length),
    nhan_chua_doc: count('unread'),
    nhan_da_doc: count('read'),
    nhan_da_giao: count('assigned'),
    nhan_da_xu_ly: count('handled'),
    danh_sach_da_giao: assignments.length === 0 ? '- (không có)' : assignments.join('\n'),
    so_chua_doc: String(unread.length),
    danh_sach_chua_doc:
      unread.length === 0
        ? '- (không có)'
        : unread.map((message, i) => `- ${message.from}: ${message.subject} (đã chờ ${formatHours(waited[i]!)} giờ làm việc)`).join('\n'),
  });
  await sendUnitNotice(deps, unit, rendered, 'unit-digest', now, { kind: 'digest', account: unit.address, day: today.day, at: now });
  return true;
}

/** "04/01/2027": the day as Vietnamese writes it. */
function vietnameseDate(day: LocalDay): string {
  const [year, month, date] = day.split('-');
  return `${date}/${month}/${year}`;
}
