/**
 * Continuity (docs/backup.en.md): online backups with a manifest, their verification, whole and
 * partial restores, scheduled backups, and the Litestream replica supervised by serve.
 * The database copy and everything SQL stays in src/store (snapshot.ts, backup-reader.ts).
 */
export { BackupError } from './errors.js';
export { createBackup, type BackupSource, type BackupSummary } from './create.js';
export { verifyBackup } from './verify.js';
export type { BackupManifest } from './manifest.js';
export { terminalProgress, type ProgressReporter } from './progress.js';
export { restoreServer, type RestoreSummary } from './restore-server.js';
export { restoreMailbox, restoreMessage, type MailTarget, type RestoreMailReport } from './restore-mail.js';
export { scheduleBackups } from './schedule.js';
export { ReplicaSupervisor, type ReplicaHealth } from './replica/supervisor.js';
export { restoreReplica, type ReplicaRestoreSummary } from './replica/restore.js';
