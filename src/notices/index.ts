/** src/notices: the Vietnamese violation and quota notices, and the unit mailbox reminders and digest, delivered straight into INBOXes (docs/architecture.md "Violations (Điều 10)", "Unit mailboxes"). */
export { QuotaNotices } from './quota-notices.js';
export { ViolationNoticeOutbox, sendPendingNotices } from './violation-notices.js';
export { UnitDiligence, type DiligenceRun, type UnitDiligenceDeps } from './unit-diligence.js';
