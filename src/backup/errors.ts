/**
 * A backup or restore that cannot go on; `message` is the one line the CLI prints (DESIGN.md
 * "CLI"), and names the backup directory and, when one is to blame, the bad file.
 */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}
