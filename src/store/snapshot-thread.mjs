// Worker-thread entry of snapshotDatabase (snapshot.ts): plain JavaScript, so it needs no loader.
// VACUUM INTO runs in one read transaction of its own connection: the copy is the database as of
// one commit, never a copy of a live WAL file, and the writers go on meanwhile (WAL readers do not
// block writers). It runs here so that the calling thread can report progress and keep serving.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { source, target } = workerData;
try {
  const live = new Database(source, { readonly: true, fileMustExist: true });
  live.pragma('busy_timeout = 10000');
  live.prepare('VACUUM INTO ?').run(target);
  live.close();
  // A backup is one self-contained file: rollback journal mode, so opening it never needs (or
  // leaves) -wal/-shm files beside it. openDatabase switches a restored copy back to WAL.
  const copy = new Database(target);
  copy.pragma('journal_mode = DELETE');
  copy.close();
  parentPort.postMessage({ ok: true });
} catch (error) {
  parentPort.postMessage({ ok: false, code: error?.code ?? null, message: String(error?.message ?? error) });
}
