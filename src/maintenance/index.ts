/** src/maintenance: the daily retention job, mbox export/import, and passing a unit message on (docs/architecture.md "Retention and migration", "Unit mailboxes"). */
export { scheduleDaily } from './daily.js';
export { exportMbox } from './mbox-export.js';
export { importMbox } from './mbox-import.js';
export { runRetention } from './retention.js';
export { ASSIGNED_KEYWORD, assignUnitMessage, type Assignment } from './assign-message.js';
