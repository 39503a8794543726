import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Migration } from '../database.js';
import { ActiveScriptMemory, type DeleteScriptOutcome, type SieveScriptStore } from '../sieve.js';
import type { AccountId, MailboxChange } from '../types.js';
import { inPgTransaction, migratePostgres, type PgClient, type PgPool } from './database.js';
import { CHANGE_CHANNEL } from './notify.js';
import { encodeScriptsWritten } from './notify-payload.js';
import { storeQuery } from './numbers.js';

/**
 * Sieve scripts and the vacation reply record in PostgreSQL, shared by every node (component
 * "sieve" in schema_migrations; the same tables as the SQLite file's, src/store/sieve.ts).
 * Invariants:
 *
 * - A write that reads before it writes (SETACTIVE, DELETESCRIPT, RENAMESCRIPT) first locks the
 *   account's script rows (SELECT … FOR UPDATE), so two nodes changing one account's scripts take
 *   turns, and "at most one active" (RFC 5804 §1.2) is never a unique-index failure.
 * - Every write NOTIFYs the change channel in its own transaction, so every node hears of it once
 *   it is committed (NOTIFY §Notes) and forgets that account's active script (the change bus,
 *   src/store/postgres/notify.ts). The writing node hears its own notice too and reads the
 *   script once more: the store does not know the bus's node id, and one read is cheaper than
 *   ordering their start-up around it.
 * - The vacation claim (RFC 5230 §4.2) is one INSERT … ON CONFLICT … WHERE … RETURNING: the row
 *   lock makes two nodes claiming at once see each other's write, so one of them gets the reply.
 */

export const PG_SIEVE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    // sent_at, updated_at: milliseconds since the epoch, as in SQLite.
    sql: `
      CREATE TABLE sieve_scripts (
        account TEXT NOT NULL,
        name TEXT NOT NULL,
        content TEXT NOT NULL,
        active BOOLEAN NOT NULL DEFAULT false,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (account, name)
      );
      CREATE UNIQUE INDEX sieve_scripts_one_active ON sieve_scripts (account) WHERE active;

      CREATE TABLE vacation_replies (
        account TEXT NOT NULL,
        sender TEXT NOT NULL,
        handle TEXT NOT NULL,
        sent_at BIGINT NOT NULL,
        PRIMARY KEY (account, sender, handle)
      );
    `,
  },
];

const UNIQUE_VIOLATION = '23505';

export interface PgSieveStoreOptions {
  /**
   * The node's mail store events: with them activeScript is answered from memory (what serve
   * passes), forgotten for all accounts on 'external' (the change bus reconnected and may have
   * missed notices). Without them every call reads the database (the CLI).
   */
  readonly changes?: EventEmitter<{ change: [MailboxChange] }>;
}

/** Opens the store on a pool it then owns (close() ends it), applying its migrations first. */
export async function openPgSieveStore(pool: PgPool, options: PgSieveStoreOptions = {}): Promise<SieveScriptStore> {
  await migratePostgres(pool, 'sieve', PG_SIEVE_MIGRATIONS);
  const { changes } = options;
  const memory = new ActiveScriptMemory();
  changes?.on('change', (change) => {
    if (change.kind === 'external') memory.forgetAll();
  });
  const writer = randomBytes(9).toString('base64url');
  const readActive = async (account: AccountId): Promise<string | null> => {
    const [row] = await storeQuery<{ content: string }>(pool, 'SELECT content FROM sieve_scripts WHERE account = $1 AND active', [account]);
    return row?.content ?? null;
  };
  /** A write of `account`'s scripts: one transaction that tells the other nodes as it commits. */
  const write = <T>(account: AccountId, work: (client: PgClient) => Promise<T>): Promise<T> =>
    memory.writing(account, () =>
      inPgTransaction(pool, async (client) => {
        const result = await work(client);
        await storeQuery(client, 'SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, encodeScriptsWritten(writer, account)]);
        return result;
      }),
    );
  /** The account's scripts, locked until the transaction ends: name → active. */
  const lockScripts = async (client: PgClient, account: AccountId): Promise<Map<string, boolean>> => {
    const rows = await storeQuery<{ name: string; active: boolean }>(client, 'SELECT name, active FROM sieve_scripts WHERE account = $1 FOR UPDATE', [account]);
    return new Map(rows.map((row) => [row.name, row.active]));
  };

  return {
    async listScripts(account) {
      const rows = await storeQuery<{ name: string; active: boolean; size: number }>(
        pool,
        'SELECT name, active, octet_length(content) AS size FROM sieve_scripts WHERE account = $1 ORDER BY name COLLATE "C"',
        [account],
      );
      return rows.map((row) => ({ name: row.name, active: row.active, size: row.size }));
    },
    async getScript(account, name) {
      const [row] = await storeQuery<{ content: string }>(pool, 'SELECT content FROM sieve_scripts WHERE account = $1 AND name = $2', [account, name]);
      return row?.content ?? null;
    },
    activeScript: (account) => (changes ? memory.read(account, () => readActive(account)) : readActive(account)),
    putScript: (account, name, content) =>
      write(account, async (client) => {
        await storeQuery(
          client,
          'INSERT INTO sieve_scripts (account, name, content, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (account, name) DO UPDATE SET content = excluded.content, updated_at = excluded.updated_at',
          [account, name, content, Date.now()],
        );
      }),
    setActive: (account, name) =>
      write(account, async (client) => {
        const scripts = await lockScripts(client, account);
        if (name !== null && !scripts.has(name)) return false;
        await storeQuery(client, 'UPDATE sieve_scripts SET active = false WHERE account = $1 AND active', [account]);
        if (name !== null) await storeQuery(client, 'UPDATE sieve_scripts SET active = true WHERE account = $1 AND name = $2', [account, name]);
        return true;
      }),
    deleteScript: (account, name) =>
      write(account, async (client): Promise<DeleteScriptOutcome> => {
        const active = (await lockScripts(client, account)).get(name);
        if (active === undefined) return 'nonexistent';
        if (active) return 'active';
        await storeQuery(client, 'DELETE FROM sieve_scripts WHERE account = $1 AND name = $2', [account, name]);
        return 'deleted';
      }),
    renameScript: (account, from, to) =>
      write(account, async (client) => {
        const scripts = await lockScripts(client, account);
        if (!scripts.has(from) || scripts.has(to)) return false;
        // `to` created meanwhile by a PUTSCRIPT (an insert the lock could not cover): the key says no.
        await client.query('SAVEPOINT rename');
        try {
          await storeQuery(client, 'UPDATE sieve_scripts SET name = $1, updated_at = $2 WHERE account = $3 AND name = $4', [to, Date.now(), account, from]);
        } catch (error) {
          if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
          await client.query('ROLLBACK TO SAVEPOINT rename');
          return false;
        }
        return true;
      }),
    async claimVacationReply(account, sender, handle, periodSeconds, now) {
      const at = now.getTime();
      const claimed = await storeQuery(
        pool,
        `INSERT INTO vacation_replies (account, sender, handle, sent_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account, sender, handle) DO UPDATE SET sent_at = excluded.sent_at
         WHERE vacation_replies.sent_at <= $5
         RETURNING 1`,
        [account, sender, handle, at, at - periodSeconds * 1000],
      );
      return claimed.length === 1;
    },
    forgetActiveScript: (account) => memory.forget(account),
    close: () => pool.end(),
  };
}
