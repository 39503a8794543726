import type { Db } from './database.js';

/**
 * Calls `onChange` when another connection (the CLI, another process) commits to the database.
 * SQLite bumps `PRAGMA data_version` for commits by other connections only, so our own writes
 * do not trigger it. DESIGN.md "CLI": the server sees a CLI change within a second.
 * Returns the function that stops watching; the timer is unref'd so it never keeps a process up.
 */
export function watchExternalChanges(db: Db, onChange: () => void, intervalMs = 500): () => void {
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let last = dataVersion.get();
  const timer = setInterval(() => {
    if (!db.open) return;
    const now = dataVersion.get();
    if (now !== last) {
      last = now;
      onChange();
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
