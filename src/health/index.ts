/**
 * src/health: what `/healthz` reports (docs/architecture.md "Health"). Each component — database,
 * virus scanner, disk, queue, and any a module adds (`replica`) — answers `ok`, `degraded` (mail
 * moves, an admin must act: clamd unreachable, disk nearly full, a stuck queue) or `down` (no mail
 * can be kept: the database does not answer). The overall status is the worst of them.
 *
 * Invariants: a check never throws (an exception is that component `down`); a check is cheap
 * enough for a probe every few seconds — anything slow (the clamd PING) runs on its own timer and
 * the check reads its last answer.
 */
export { HealthMonitor, type ComponentHealth, type ComponentStatus, type HealthCheck, type HealthReport } from './monitor.js';
export { databaseCheck } from './database.js';
export { diskCheck } from './disk.js';
export { queueCheck } from './queue.js';
export { VirusScannerWatch } from './virus-scanner.js';
