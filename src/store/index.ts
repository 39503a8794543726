export type { MailStore } from './api.js';
export { migrate, openDatabase, type Db, type Migration } from './database.js';
export { SqliteMailStore } from './sqlite-store.js';
export { isStorageExhausted } from './storage-full.js';
export * from './types.js';
export type { OutboundQueue } from './queue.js';
