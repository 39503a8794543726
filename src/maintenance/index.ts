/** src/maintenance: the daily retention job and mbox export/import (docs/architecture.md "Retention and migration"). */
export { scheduleDaily } from './daily.js';
export { exportMbox } from './mbox-export.js';
export { importMbox } from './mbox-import.js';
export { runRetention } from './retention.js';
