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

/**
 * Asynchronous, so that a backend may be a server (PostgreSQL: src/store/postgres/sieve.ts) as
 * well as the data directory's SQLite file; both pass test/store/contract/sieve.ts.
 */
export interface SieveScriptStore {
  listScripts(account: AccountId): Promise<SieveScriptInfo[]>;
  getScript(account: AccountId, name: string): Promise<string | null>;
  /** The text of the account's active script, or null when it has none. */
  activeScript(account: AccountId): Promise<string | null>;
  /** Creates or replaces a script; an active script stays active (RFC 5804 §2.6). */
  putScript(account: AccountId, name: string, content: string): Promise<void>;
  /** RFC 5804 §2.8: makes `name` the active script, or none with null; false when `name` does not exist. */
  setActive(account: AccountId, name: string | null): Promise<boolean>;
  /** RFC 5804 §2.10: the active script cannot be deleted. */
  deleteScript(account: AccountId, name: string): Promise<DeleteScriptOutcome>;
  /** RFC 5804 §2.11.1; false when `from` is missing or `to` exists. */
  renameScript(account: AccountId, from: string, to: string): Promise<boolean>;
  /**
   * RFC 5230 §4.2: records a reply to `sender` for `handle` and returns true, unless one was
   * recorded within `periodSeconds` before `now` (then false, nothing written). Atomic: of two
   * deliveries claiming at once, in one process or on two nodes, one gets true.
   */
  claimVacationReply(account: AccountId, sender: string, handle: string, periodSeconds: number, now: Date): Promise<boolean>;
  /**
   * Another node wrote the account's scripts (the change bus heard it: docs/postgres.en.md
   * "Change events between nodes"): the next activeScript reads them again.
   */
  forgetActiveScript(account: AccountId): void;
  /** Ends what the store opened of its own (PostgreSQL: its pool); the SQLite file belongs to the mail store. */
  close(): Promise<void>;
}

/** Accounts whose active script is remembered at once; past it the memory starts over (bounded memory). */
const MAX_REMEMBERED_ACTIVE = 20_000;

/**
 * activeScript — asked for every recipient of every delivered message — answered from memory
 * (both backends). An account is forgotten by every write of its scripts, after the write, whether
 * it succeeded or not; everything by `forgetAll` (another process committed). A read that was
 * under way while something was forgotten is returned but not remembered: it may have read the
 * text from before that write.
 */
export class ActiveScriptMemory {
  private readonly byAccount = new Map<AccountId, string | null>();
  private generation = 0;

  async read(account: AccountId, load: () => Promise<string | null> | string | null): Promise<string | null> {
    const remembered = this.byAccount.get(account);
    if (remembered !== undefined) return remembered;
    const generation = this.generation;
    const text = await load();
    if (generation === this.generation) {
      if (this.byAccount.size >= MAX_REMEMBERED_ACTIVE) this.byAccount.clear();
      this.byAccount.set(account, text);
    }
    return text;
  }

  async writing<T>(account: AccountId, write: () => Promise<T> | T): Promise<T> {
    try {
      return await write();
    } finally {
      this.forget(account);
    }
  }

  forget(account: AccountId): void {
    this.generation++;
    this.byAccount.delete(account);
  }

  forgetAll(): void {
    this.generation++;
    this.byAccount.clear();
  }
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

/**
 * `changes`: the mail store's events on the same database (SqliteMailStore.events). With them,
 * activeScript is answered from memory (ActiveScriptMemory), forgotten for all accounts when
 * another process (the CLI) commits (the 'external' event, within a second: DESIGN.md "CLI").
 * Without them every call reads the database.
 */
export function openSieveStore(db: Db, changes?: EventEmitter<{ change: [MailboxChange] }>): SieveScriptStore {
  migrate(db, 'sieve', migrations);
  const memory = new ActiveScriptMemory();
  changes?.on('change', (change) => {
    if (change.kind === 'external') memory.forgetAll();
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
  const lastReply = db.prepare<[string, string, string], number>('SELECT sent_at FROM vacation_replies WHERE account = ? AND sender = ? AND handle = ?').pluck();
  const recordReply = db.prepare(
    'INSERT INTO vacation_replies (account, sender, handle, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT (account, sender, handle) DO UPDATE SET sent_at = excluded.sent_at',
  );
  // IMMEDIATE: the write lock first, so a CLI writing at the same time waits instead of failing half-way.
  const immediate = <T>(fn: () => T): T => db.transaction(fn).immediate();
  const readActive = (account: AccountId): string | null => active.get(account) ?? null;

  return {
    listScripts: async (account) => list.all(account).map((row) => ({ name: row.name, active: row.active === 1, size: row.size })),
    getScript: async (account, name) => get.get(account, name) ?? null,
    // Inside a caller's open transaction the text may yet be rolled back: read, never remembered.
    activeScript: async (account) => (changes && !db.inTransaction ? memory.read(account, () => readActive(account)) : readActive(account)),
    putScript: (account, name, content) => memory.writing(account, () => void put.run(account, name, content, Date.now())),
    setActive: (account, name) =>
      memory.writing(account, () =>
        immediate(() => {
          if (name !== null && isActive.get(account, name) === undefined) return false;
          deactivate.run(account);
          if (name !== null) activate.run(account, name);
          return true;
        }),
      ),
    deleteScript: (account, name) =>
      memory.writing(account, () =>
        immediate((): DeleteScriptOutcome => {
          const state = isActive.get(account, name);
          if (state === undefined) return 'nonexistent';
          if (state === 1) return 'active';
          remove.run(account, name);
          return 'deleted';
        }),
      ),
    renameScript: (account, from, to) =>
      memory.writing(account, () =>
        immediate(() => {
          if (isActive.get(account, from) === undefined || isActive.get(account, to) !== undefined) return false;
          rename.run(to, Date.now(), account, from);
          return true;
        }),
      ),
    claimVacationReply: async (account, sender, handle, periodSeconds, now) =>
      immediate(() => {
        const last = lastReply.get(account, sender, handle);
        if (last !== undefined && now.getTime() - last < periodSeconds * 1000) return false;
        recordReply.run(account, sender, handle, now.getTime());
        return true;
      }),
    forgetActiveScript: (account) => memory.forget(account),
    close: async () => undefined,
  };
}
