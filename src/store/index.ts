export type { MailStore } from './api.js';
export { migrate, openDatabase, type Db, type Migration } from './database.js';
export { SqliteMailStore } from './sqlite-store.js';
export { isStorageExhausted } from './storage-full.js';
export * from './types.js';
export { openBayesStore, type BayesClass, type BayesStore, type BayesTokenCounts, type LearnOutcome } from './bayes.js';
export { canonicalMailboxName, parentNames } from './mailbox-names.js';
export { MboxImportLedger, type ImportMessage } from './mbox.js';
export { SqliteOutboundQueue, type DueRecipient, type OutboundQueue, type PendingDsn, type QueueEntry } from './queue.js';
