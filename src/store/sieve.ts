import type { EventEmitter } from 'node:events';
import { migrate, type Db, type Migration } from './database.js';
import type { AccountId, MailboxChange } from './types.js';

/**
 * Sieve scripts per account (RFC 5804 §1.2: any number, at most one active) and the record of
 * out-of-office replies sent (RFC 5230 §4.2: once per sender and handle within the period).
 * Component "sieve" in schema_migrations.
 */

export interface SieveScriptInfo {
  readonly name: string;
  readonly active: boolean;
  readonly size: number;
}

export type DeleteScriptOutcome = 'deleted' | 'nonexistent' | 'active';

export interface SieveScriptStore {
  listScripts(account: AccountId): SieveScriptInfo[];
  getScript(account: AccountId, name: string): string | null;
  /** The text of the account's active script, or null when it has none. */
  activeScript(account: AccountId): string | null;
  /** Creates or replaces a script; an active script stays active (RFC 5804 §2.6). */
  putScript(account: AccountId, name: string, content: string): void;
  /** RFC 5804 §2.8: makes `name` the active script, or none with null; false when `name` does not exist. */
  setActive(account: AccountId, name: string | null): boolean;
  /** RFC 5804 §2.10: the active script cannot be deleted. */
  deleteScript(account: AccountId, name: string): DeleteScriptOutcome;
  /** RFC 5804 §2.11.1; false when `from` is missing or `to` exists. */
  renameScript(account: AccountId, from: string, to: string): boolean;
  /** Scripts and their bytes, for the ManageSieve quota (RFC 5804 §2.3 HAVESPACE). */
  usage(account: AccountId): { readonly scripts: number; readonly bytes: number };
  /**
   * RFC 5230 §4.2: records a reply to `sender` for `handle` and returns true, unless one was
   * recorded within `periodSeconds` before `now` (then false, nothing written).
   */
  claimVacationReply(account: AccountId, sender: string, handle: string, periodSeconds: number, now: Date): boolean;
}

const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE sieve_scripts (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        content TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, name)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX sieve_scripts_one_active ON sieve_scripts (account) WHERE active = 1;

      CREATE TABLE vacation_replies (
        account TEXT NOT NULL,
        sender TEXT NOT NULL,
        handle TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (account, sender, handle)
      ) WITHOUT ROWID;
    `,
  },
];

/** Accounts whose active script is remembered at once; past it the cache starts over (bounded memory). */
const MAX_CACHED_ACTIVE = 20_000;

/**
 * `changes`: the mail store's events on the same database (SqliteMailStore.events). With them,
 * activeScript — asked for every recipient of every delivered message — is answered from memory,
 * forgotten for an account by every write of its scripts here and for all accounts when another
 * process (the CLI) commits (the 'external' event, within a second: DESIGN.md "CLI"). Without
 * them every call reads the database.
 */
export function openSieveStore(db: Db, changes?: EventEmitter<{ change: [MailboxChange] }>): SieveScriptStore {
  migrate(db, 'sieve', migrations);
  const activeByAccount = new Map<AccountId, string | null>();
  changes?.on('change', (change) => {
    if (change.kind === 'external') activeByAccount.clear();
  });
  const list = db.prepare<[string], { name: string; active: number; size: number }>(
    'SELECT name, active, length(CAST(content AS BLOB)) AS size FROM sieve_scripts WHERE account = ? ORDER BY name',
  );
  const get = db.prepare<[string, string], string>('SELECT content FROM sieve_scripts WHERE account = ? AND name = ?').pluck();
  const active = db.prepare<[string], string>('SELECT content FROM sieve_scripts WHERE account = ? AND active = 1').pluck();
  const put = db.prepare(
    'INSERT INTO sieve_scripts (account, name, content, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (account, name) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at',
  );
  const deactivate = db.prepare('UPDATE sieve_scripts SET active = 0 WHERE account = ? AND active = 1');
  const activate = db.prepare('UPDATE sieve_scripts SET active = 1 WHERE account = ? AND name = ?');
  const isActive = db.prepare<[string, string], number>('SELECT active FROM sieve_scripts WHERE account = ? AND name = ?').pluck();
  const remove = db.prepare('DELETE FROM sieve_scripts WHERE account = ? AND name = ?');
  const rename = db.prepare('UPDATE sieve_scripts SET name = ?, updated_at = ? WHERE account = ? AND name = ?');
  const usage = db.prepare<[string], { scripts: number; bytes: number }>(
    'SELECT count(*) AS scripts, coalesce(sum(length(CAST(content AS BLOB))), 0) AS bytes FROM sieve_scripts WHERE account = ?',
  );
  const lastReply = db.prepare<[string, string, string], number>('SELECT sent_at FROM vacation_replies WHERE account = ? AND sender = ? AND handle = ?').pluck();
  const recordReply = db.prepare(
    'INSERT INTO vacation_replies (account, sender, handle, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT (account, sender, handle) DO UPDATE SET sent_at = excluded.sent_at',
  );
  // IMMEDIATE: the write lock first, so a CLI writing at the same time waits instead of failing half-way.
  const immediate = <T>(fn: () => T): T => db.transaction(fn).immediate();
  /** A write of `account`'s scripts: what was cached of it goes, whether the write succeeded or not. */
  const writing = <T>(account: AccountId, fn: () => T): T => {
    try {
      return fn();
    } finally {
      activeByAccount.delete(account);
    }
  };
  const activeOf = (account: AccountId): string | null => {
    const cached = activeByAccount.get(account);
    if (cached !== undefined) return cached;
    const text = active.get(account) ?? null;
    if (changes && !db.inTransaction) {
      if (activeByAccount.size >= MAX_CACHED_ACTIVE) activeByAccount.clear();
      activeByAccount.set(account, text);
    }
    return text;
  };

  return {
    listScripts: (account) => list.all(account).map((row) => ({ name: row.name, active: row.active === 1, size: row.size })),
    getScript: (account, name) => get.get(account, name) ?? null,
    activeScript: activeOf,
    putScript: (account, name, content) => writing(account, () => void put.run(account, name, content, Date.now())),
    setActive: (account, name) =>
      writing(account, () =>
        immediate(() => {
          if (name !== null && isActive.get(account, name) === undefined) return false;
          deactivate.run(account);
          if (name !== null) activate.run(account, name);
          return true;
        }),
      ),
    deleteScript: (account, name) =>
      writing(account, () =>
        immediate(() => {
          const state = isActive.get(account, name);
          if (state === undefined) return 'nonexistent';
          if (state === 1) return 'active';
          remove.run(account, name);
          return 'deleted';
        }),
      ),
    renameScript: (account, from, to) =>
      writing(account, () =>
        immediate(() => {
          if (isActive.get(account, from) === undefined || isActive.get(account, to) !== undefined) return false;
          rename.run(to, Date.now(), account, from);
          return true;
        }),
      ),
    usage: (account) => usage.get(account)!,
    claimVacationReply: (account, sender, handle, periodSeconds, now) =>
      immediate(() => {
        const last = lastReply.get(account, sender, handle);
        if (last !== undefined && now.getTime() - last < periodSeconds * 1000) return false;
        recordReply.run(account, sender, handle, now.getTime());
        return true;
      }),
  };
}
