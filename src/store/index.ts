export type { MailStore } from './api.js';
export { migrate, openDatabase, type Db, type Migration } from './database.js';
export { SqliteMailStore } from './sqlite-store.js';
export * from './types.js';
