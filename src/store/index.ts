export type { MailStore } from './api.js';
export { migrate, openDatabase, type Db, type Migration } from './database.js';
export { SqliteMailStore } from './sqlite-store.js';
export { isStorageExhausted } from './storage-full.js';
export * from './types.js';
export { BackupMailReader, type BackupMessage } from './backup-reader.js';
export { checkDatabaseIntegrity, describeDatabase, leaveCheckpointsToReplica, schemaVersions, snapshotDatabase, type DatabaseDescription } from './snapshot.js';
