import type { DiligenceUnit } from '../directory/index.js';
import { readUnitInbox, type UnitInboxStore } from '../maintenance/index.js';
import type { DiligenceStore } from '../store/index.js';
import { renderTemplate } from './templates.js';
import { formatHours, sendUnitNotice, unitPlaceholders, type UnitNoticeDeps } from './unit-notice.js';
import type { WorkingCalendar } from './working-calendar.js';

/**
 * Điều 9.2 reminders (docs/architecture.md "Unit mailboxes"): a message of a unit INBOX that nobody
 * answering for the unit has read for more than the unit's `reminder_hours` working hours is named
 * in ONE reminder (config/templates/unit-reminder.txt) to the head and the delegates.
 *
 * Exactly one reminder per message: the reminded UIDs are recorded in the reminder's own delivery
 * transaction (src/store/unit-diligence.ts), so a restart neither repeats nor loses one. A later
 * reminder names only messages not named before: naming the old ones again at every new arrival
 * would turn the reminder into a nag nobody reads, and the daily digest already lists every
 * message still unread.
 */

export interface UnitReminderDeps extends UnitNoticeDeps {
  readonly store: UnitNoticeDeps['store'] & UnitInboxStore;
  readonly diligence: Pick<DiligenceStore, 'remindedUids'>;
  readonly calendar: WorkingCalendar;
}

/** Sends the unit's reminder when messages became overdue; returns how many messages it named. */
export async function remindOverdue(deps: UnitReminderDeps, unit: DiligenceUnit, now: Date): Promise<number> {
  if (unit.reminderHours === 0 || unit.keepers.length === 0) return 0;
  const mailbox = await deps.store.getMailbox(unit.address, 'INBOX');
  if (mailbox === null) return 0;
  const reminded = await deps.diligence.remindedUids(mailbox.id);
  const inbox = await readUnitInbox(deps.store, unit, { wanted: (message) => message.state === 'unread' && !reminded.has(message.uid) });
  if (inbox === null) return 0;
  const ages = await deps.calendar.workingHoursSince(
    inbox.messages.map((message) => message.internalDate),
    now,
  );
  const overdue = inbox.messages.map((message, i) => ({ message, age: ages[i]! })).filter(({ age }) => age > unit.reminderHours);
  if (overdue.length === 0) return 0;
  const rendered = renderTemplate(deps.config.paths.templates, 'unit-reminder', {
    ...unitPlaceholders(deps.config, unit),
    so_thu: String(overdue.length),
    so_gio: formatHours(unit.reminderHours),
    danh_sach: overdue.map(({ message, age }) => `- Người gửi: ${message.from}\n  Tiêu đề: ${message.subject}\n  Đã chờ: ${formatHours(age)} giờ làm việc`).join('\n'),
  });
  await sendUnitNotice(deps, unit, rendered, 'unit-reminder', now, { kind: 'reminded', mailbox: inbox.mailbox, uids: overdue.map(({ message }) => message.uid), at: now });
  return overdue.length;
}
