/** src/maintenance: the daily retention job, mbox export/import, and passing a unit message on, reading and marking a unit INBOX (docs/architecture.md "Retention and migration", "Unit mailboxes"). */
export { scheduleDaily } from './daily.js';
export { exportMbox } from './mbox-export.js';
export { importMbox } from './mbox-import.js';
export { runRetention } from './retention.js';
export { assignUnitMessage, type Assignment } from './assign-message.js';
export { ASSIGNED_KEYWORD, HANDLED_KEYWORD } from './unit-keywords.js';
export { markUnitMessageHandled, type HandledMark } from './mark-handled.js';
export { readUnitInbox, type UnitInbox, type UnitInboxMessage, type UnitInboxQuery, type UnitInboxStore, type UnitMessageState } from './unit-inbox.js';
