/** src/notices: the Vietnamese violation and quota notices, delivered straight into INBOXes (docs/architecture.md "Violations (Điều 10)"). */
export { QuotaNotices } from './quota-notices.js';
export { ViolationNoticeOutbox, sendPendingNotices } from './violation-notices.js';
