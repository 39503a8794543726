import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { MailStore } from '../api.js';
import { appendChanges, type Appended } from '../change-events.js';
import { DEFAULT_VANISHED_HISTORY } from '../expunge-history.js';
import { DELETED_BIT, FlagListCache, SEEN_BIT, applyFlagOperation, parseFlags, type StoredFlags } from '../flags.js';
import { MAILBOX_COLUMNS, toMailboxInfo, type MailboxRow } from '../mailbox-row.js';
import { toMessageRow } from '../message-reads.js';
import { canonicalMailboxName, isSameOrInferior, parentNames, validMailboxName } from '../mailbox-names.js';
import { deliveryCopies, prepareMessage, type PreparedMessage } from '../prepared-message.js';
import {
  DEFAULT_FOLDERS,
  StoreError,
  asModSeq,
  asUid,
  type AccountId,
  type AppendMessage,
  type AppendResult,
  type BlobId,
  type CopyResult,
  type DeliveryOptions,
  type DeliveryResult,
  type DeliveryTarget,
  type Flag,
  type FlagOperation,
  type MailboxChange,
  type MailboxCounts,
  type MailboxId,
  type MailboxInfo,
  type MessageBytes,
  type MessageListOptions,
  type MessageMeta,
  type MessageRow,
  type ModSeq,
  type PurgeOptions,
  type SpecialUse,
  type StoreFlagsResult,
  type TextField,
  type Uid,
} from '../types.js';
import { PgBlobStore } from './blob-store.js';
import { inPgTransaction, migratePostgres, type PgClient, type PgPool } from './database.js';
import { PgExpungeHistory } from './expunge-history.js';
import { appendStatement, deliverStatement, deliveryFolderValues, type MessageStatement } from './message-writes.js';
import { storeQuery } from './numbers.js';
import { forgetPrivateSeenReader, privateSeenUids, setPrivateSeenIn } from './private-seen.js';
import { PG_STORE_MIGRATIONS } from './schema.js';
import { searchBodyText } from './search.js';
import { migrateImportLedger, type StoreWithAppends } from './mbox-import.js';
import { PgDiligenceStore } from './unit-diligence.js';

/** A `messages` row joined with its body's digest. */
interface MessageRecord extends StoredFlags {
  uid: number;
  modseq: number;
  internal_date: number;
  size: number;
  body: number;
  sha256: string;
}

/** What append_message answers for one message (schema.ts migration 2). */
interface AppendedRow {
  new_uid: number;
  new_modseq: number;
  mailbox_account: AccountId;
  mailbox_uidvalidity: number;
}

/** Appended messages, as announced after COMMIT and as answered to the caller. */
interface AppendedMessages {
  readonly appended: Appended[];
  readonly results: AppendResult[];
}

function appendedRows(mailbox: MailboxId, rows: readonly AppendedRow[][]): AppendedMessages {
  return {
    appended: rows.map(([row]) => ({ account: row!.mailbox_account, mailbox, uid: asUid(row!.new_uid), modSeq: asModSeq(row!.new_modseq) })),
    results: rows.map(([row]) => ({ mailbox, uidValidity: row!.mailbox_uidvalidity, uid: asUid(row!.new_uid) })),
  };
}

/** What deliver_message answers per copy (schema.ts migration 2). */
interface DeliveredRow {
  mailbox: MailboxId;
  uid: number;
  modseq: number;
  account: AccountId;
}

/** null for a delivery whose mailbox must be made first (the transaction's way then); any other failure as it was. */
function unlessMissingMailbox(error: unknown): null {
  if (error instanceof StoreError && error.code === 'nonexistent') return null;
  throw error;
}

const MESSAGE_COLUMNS = 'm.uid, m.modseq, m.system, m.keywords, m.internal_date, m.size, m.body, b.digest AS sha256';
const MESSAGES_WITH_DIGEST = 'messages m JOIN bodies b ON b.id = m.body';

/** PostgreSQL's codes for a transaction another one made fail (serialization_failure, deadlock_detected): run it again. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;
/** no_data_found: what append_message and deliver_message raise for a mailbox that is not there (schema.ts migration 2). */
const NO_DATA_FOUND = 'P0002';
/** disk_full, insufficient_resources, out_of_memory: transient, nothing was kept (storage-full.ts). */
const STORAGE_FULL = new Set(['53100', '53000', '53200']);

/**
 * The MailStore on PostgreSQL (docs/postgres.en.md), for several nodes sharing one database.
 * Construct with PgMailStore.open, which applies the migrations of component "store".
 *
 * Notes (the SQLite store's notes, sqlite-store.ts, hold unless said here):
 * - Every write is one transaction on one pooled connection, READ COMMITTED; a write to a
 *   mailbox's messages first locks the mailbox row (UPDATE … RETURNING of uidnext/highestmodseq,
 *   or SELECT … FOR UPDATE), which serialises writers of one mailbox across nodes: UIDs and
 *   MODSEQs are never read-then-written without that lock. A transaction that meets a deadlock
 *   (two mailboxes locked in opposite orders) is run again.
 * - No group commit in the process: concurrent deliveries are concurrent transactions, and
 *   PostgreSQL groups their WAL flushes itself. A delivery resolves (the `250`) after COMMIT,
 *   with synchronous_commit on (database.ts).
 * - A delivery or APPEND is one statement, its own implicit transaction, in the common case
 *   (message-writes.ts): round trips, not the server's work, were most of its time
 *   (docs/postgres.en.md "Round trips per delivery").
 * - Change events are emitted after COMMIT, all through `publish`, the one place another node's
 *   notification can hook.
 * - The hooks of deliver and purgeAccount (`inTransaction`) run inside the PostgreSQL transaction,
 *   just before COMMIT: a throw rolls the delivery back, as on SQLite; but what the hook writes
 *   (the directory, still SQLite) commits on its own, so a failed PostgreSQL COMMIT after it
 *   leaves the hook's record without the delivery (docs/postgres.en.md "What is not atomic").
 */
export class PgMailStore implements MailStore, StoreWithAppends {
  readonly events = new EventEmitter<{ change: [MailboxChange] }>();
  readonly changesEmitted = 'after-await';
  /** Bodies (the store's BlobStore): bytes only; what the store derives from them is in `bodies`. */
  readonly blobs: PgBlobStore;
  /** Unit diligence memory (Điều 9.2), written by deliveries that carry a record (DeliveryOptions `diligence`). */
  readonly diligence: PgDiligenceStore;
  private readonly expunged: PgExpungeHistory;
  private readonly flagLists = new FlagListCache();
  private readonly inflight = new Set<Promise<unknown>>();
  private closed = false;

  private constructor(
    private readonly pool: PgPool,
    diligence: PgDiligenceStore,
    options: { readonly vanishedHistory?: number },
  ) {
    this.blobs = new PgBlobStore(pool);
    this.diligence = diligence;
    this.expunged = new PgExpungeHistory(options.vanishedHistory ?? DEFAULT_VANISHED_HISTORY);
    // Every IMAP session (IDLE, selected mailbox) listens: hundreds of listeners are normal here.
    this.events.setMaxListeners(0);
  }

  /**
   * Applies the store's migrations and those of the tables that reference its rows (the unit
   * diligence memory, the import ledger), under the advisory lock of migratePostgres, and opens
   * the store on `pool`, which stays the caller's.
   */
  static async open(pool: PgPool, options: { readonly vanishedHistory?: number } = {}): Promise<PgMailStore> {
    await migratePostgres(pool, 'store', PG_STORE_MIGRATIONS);
    await migrateImportLedger(pool);
    return new PgMailStore(pool, await PgDiligenceStore.open(pool), options);
  }

  // --- accounts and mailboxes --------------------------------------------------------------

  async ensureAccount(account: AccountId): Promise<void> {
    // Called on every login: the common case (nothing missing) reads only and locks nothing.
    if ((await this.missingDefaultFolders(this.pool, account)).length === 0) return;
    if (await this.write((client) => this.createDefaultFolders(client, account))) this.publish({ kind: 'mailboxes', account });
  }

  async listMailboxes(account: AccountId): Promise<MailboxInfo[]> {
    return (await this.mailboxesOf(this.pool, account)).map(toMailboxInfo);
  }

  async getMailbox(account: AccountId, name: string): Promise<MailboxInfo | null> {
    const row = await this.mailboxByName(this.pool, account, canonicalMailboxName(name));
    return row === undefined ? null : toMailboxInfo(row);
  }

  async getMailboxById(id: MailboxId): Promise<MailboxInfo | null> {
    const [row] = await storeQuery<MailboxRow>(this.pool, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE id = $1`, [id]);
    return row === undefined ? null : toMailboxInfo(row);
  }

  async largestMailbox(): Promise<MailboxInfo | null> {
    const [row] = await storeQuery<MailboxRow>(this.pool, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE total_size > 0 ORDER BY total_size DESC, id LIMIT 1`);
    return row === undefined ? null : toMailboxInfo(row);
  }

  async createMailbox(account: AccountId, name: string, specialUse: SpecialUse | null = null): Promise<MailboxInfo> {
    const canonical = validMailboxName(name);
    const row = await this.write(async (client) => {
      await this.createParents(client, account, canonical);
      const created = await this.insertMailbox(client, account, canonical, specialUse);
      if (created === undefined) throw new StoreError('already-exists', `mailbox ${canonical} already exists`);
      return created;
    });
    this.publish({ kind: 'mailboxes', account });
    return toMailboxInfo(row);
  }

  async deleteMailbox(account: AccountId, name: string): Promise<void> {
    const canonical = canonicalMailboxName(name);
    // RFC 3501 §6.3.4: deleting INBOX is an error.
    if (canonical === 'INBOX') throw new StoreError('cannot', 'INBOX cannot be deleted');
    await this.write(async (client) => {
      // RFC 3501 §6.3.4: the mailbox and its messages go, its inferiors stay (as \Noselect names, no rows).
      const row = await this.requireMailboxByName(client, account, canonical);
      await storeQuery(client, 'DELETE FROM mailboxes WHERE id = $1', [row.id]);
    });
    this.publish({ kind: 'mailboxes', account });
  }

  async renameMailbox(account: AccountId, from: string, to: string): Promise<void> {
    const source = canonicalMailboxName(from);
    const target = validMailboxName(to);
    const changes = await this.write(async (client) => {
      const changes: MailboxChange[] = [{ kind: 'mailboxes', account }];
      const existing = await this.mailboxesOf(client, account, true);
      // RFC 9051 §6.3.6: a \Noselect name (no row, inferiors only) is renamed too.
      if (source !== 'INBOX' && !existing.some((row) => isSameOrInferior(row.name, source))) {
        throw new StoreError('nonexistent', `no mailbox ${source}`);
      }
      // RFC 3501 §6.3.5: an error to rename to a name that exists, \Noselect names included.
      if (existing.some((row) => isSameOrInferior(row.name, target))) throw new StoreError('already-exists', `mailbox ${target} already exists`);
      if (source === 'INBOX') {
        changes.push(...(await this.renameInbox(client, await this.requireMailboxByName(client, account, source), target)));
        return changes;
      }
      if (isSameOrInferior(target, source)) throw new StoreError('cannot', 'a mailbox cannot be moved below itself');
      await this.createParents(client, account, target);
      // RFC 3501 §6.3.5: inferior names are renamed too; UIDVALIDITY stays, the mailbox is the same.
      for (const row of existing.filter((row) => isSameOrInferior(row.name, source))) {
        await storeQuery(client, 'UPDATE mailboxes SET name = $1 WHERE id = $2', [target + row.name.slice(source.length), row.id]);
      }
      return changes;
    });
    for (const change of changes) this.publish(change);
  }

  async mailboxCounts(id: MailboxId): Promise<MailboxCounts> {
    await this.requireMailbox(this.pool, id);
    const [counts] = await storeQuery<MailboxCounts>(
      this.pool,
      `SELECT count(*) AS messages, count(*) FILTER (WHERE recent) AS recent,
              count(*) FILTER (WHERE (system & $2) = 0) AS unseen, count(*) FILTER (WHERE (system & $3) <> 0) AS deleted,
              coalesce(sum(size), 0) AS size
       FROM messages WHERE mailbox = $1`,
      [id, SEEN_BIT, DELETED_BIT],
    );
    return { ...counts! };
  }

  async setSubscribed(account: AccountId, name: string, subscribed: boolean): Promise<void> {
    const canonical = canonicalMailboxName(name);
    if (subscribed) await this.subscribe(this.pool, account, canonical);
    else await storeQuery(this.pool, 'DELETE FROM subscriptions WHERE account = $1 AND name = $2', [account, canonical]);
    this.publish({ kind: 'mailboxes', account });
  }

  async listSubscriptions(account: AccountId): Promise<string[]> {
    return (await storeQuery<{ name: string }>(this.pool, 'SELECT name FROM subscriptions WHERE account = $1 ORDER BY name', [account])).map((row) => row.name);
  }

  /** Not cached, unlike SQLite's: another node's delivery changes it without this process knowing. */
  async accountUsage(account: AccountId): Promise<number> {
    const [row] = await storeQuery<{ used: number }>(this.pool, 'SELECT coalesce(sum(total_size), 0) AS used FROM mailboxes WHERE account = $1', [account]);
    return row!.used;
  }

  // --- messages ----------------------------------------------------------------------------

  async deliver(targets: readonly DeliveryTarget[], raw: MessageBytes, options: DeliveryOptions = {}): Promise<DeliveryResult> {
    const message = prepareMessage(raw, options);
    // Mailbox rows locked in one order by every delivery, so two deliveries to the same people do not deadlock.
    const copies = deliveryCopies(targets, message).sort((a, b) => (a.target.account < b.target.account ? -1 : a.target.account > b.target.account ? 1 : 0));
    const statement = deliverStatement(copies, message);
    const created = new Set<AccountId>();
    // The common case, every mailbox there, no hook and no diligence record: one statement, one
    // round trip. Otherwise a transaction makes the missing mailboxes, runs the same statement,
    // then the hook and the record.
    let rows = statement.bodyInline && !options.inTransaction && !options.diligence ? await this.writeOne<DeliveredRow>(statement).catch(unlessMissingMailbox) : null;
    rows ??= await this.write(async (client) => {
      for (const copy of copies) await this.makeDeliveryMailbox(client, copy.target, created);
      const rows = await this.runMessageStatement<DeliveredRow>(client, statement, message);
      options.inTransaction?.();
      if (options.diligence) await this.diligence.write(client, options.diligence);
      return rows;
    });
    const appended: Appended[] = rows.map((row) => ({ account: row.account, mailbox: row.mailbox, uid: asUid(row.uid), modSeq: asModSeq(row.modseq) }));
    for (const account of created) this.publish({ kind: 'mailboxes', account });
    this.publishAppends(appended);
    return { blobId: message.sha256, delivered: appended.map(({ account, mailbox, uid }) => ({ account, mailbox, uid })) };
  }

  async append(mailbox: MailboxId, raw: Buffer, options: { flags?: readonly Flag[]; internalDate?: Date } = {}): Promise<AppendResult> {
    return (await this.appendMessages(mailbox, [{ raw, ...options }]))[0]!;
  }

  async appendMessages(mailbox: MailboxId, messages: readonly AppendMessage[]): Promise<AppendResult[]> {
    const prepared = messages.map((message) => prepareMessage(message.raw, message));
    const statements = prepared.map((message) => appendStatement(mailbox, message));
    // One message (APPEND): one statement, one round trip. Several (MULTIAPPEND, RFC 3502 §6.3.11: all or none): one transaction.
    const { appended, results } =
      statements.length === 1 && statements[0]!.bodyInline
        ? appendedRows(mailbox, [await this.writeOne<AppendedRow>(statements[0]!)])
        : await this.write(async (client) => this.appendPrepared(client, mailbox, prepared));
    this.publishAppends(appended);
    return results;
  }

  /**
   * Runs `work` in one write transaction where `append` adds messages to a mailbox as
   * appendMessages does: for PostgreSQL-only code whose own rows commit with the messages (the
   * mbox import ledger, mbox-import.ts), as SqliteMailStore.appendMessagesNow is for SQLite's. The
   * appends are announced after COMMIT; a transaction run again (deadlock) starts from scratch.
   */
  async withAppends<T>(work: (client: PgClient, append: (mailbox: MailboxId, messages: readonly AppendMessage[]) => Promise<AppendResult[]>) => Promise<T>): Promise<T> {
    let appended: Appended[] = [];
    const result = await this.write(async (client) => {
      appended = [];
      return work(client, async (mailbox, messages) => {
        const added = await this.appendPrepared(client, mailbox, messages.map((message) => prepareMessage(message.raw, message)));
        appended.push(...added.appended);
        return added.results;
      });
    });
    this.publishAppends(appended);
    return result;
  }

  async listMessages(mailbox: MailboxId, options: MessageListOptions = {}): Promise<MessageRow[]> {
    const [where, values] =
      'afterUid' in options
        ? ['m.uid > $2 ORDER BY m.uid LIMIT $3', [options.afterUid, options.limit]]
        : options.changedSince === undefined
          ? ['true ORDER BY m.uid', []]
          : ['m.modseq > $2 ORDER BY m.uid', [options.changedSince]];
    const rows = await storeQuery<MessageRecord>(this.pool, `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES_WITH_DIGEST} WHERE m.mailbox = $1 AND ${where}`, [mailbox, ...values]);
    return rows.map((row) => this.messageRow(row));
  }

  async getMessages(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageRow[]> {
    if (uids.length === 0) return [];
    return (await this.messagesByUid(this.pool, mailbox, uids)).map((row) => this.messageRow(row));
  }

  async expungedSince(mailbox: MailboxId, since: ModSeq): Promise<Uid[] | null> {
    return this.expunged.since(this.pool, mailbox, since);
  }

  async getMessageMeta(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageMeta[]> {
    const rows = await storeQuery<{ uid: Uid; envelope: string; structure: string; header_size: number }>(
      this.pool,
      `SELECT m.uid, b.envelope, b.structure, b.header_size FROM ${MESSAGES_WITH_DIGEST}
       WHERE m.mailbox = $1 AND m.uid = ANY($2::bigint[]) ORDER BY m.uid`,
      [mailbox, uids],
    );
    return rows.map((row) => ({
      uid: row.uid,
      envelope: JSON.parse(row.envelope) as MessageMeta['envelope'],
      structure: JSON.parse(row.structure) as MessageMeta['structure'],
      headerSize: row.header_size,
    }));
  }

  async protocolCache(mailbox: MailboxId, uids: readonly Uid[]): Promise<Map<Uid, string>> {
    const rows = await storeQuery<{ uid: Uid; text: string }>(
      this.pool,
      `SELECT m.uid, b.protocol_cache AS text FROM ${MESSAGES_WITH_DIGEST}
       WHERE m.mailbox = $1 AND m.uid = ANY($2::bigint[]) AND b.protocol_cache IS NOT NULL`,
      [mailbox, uids],
    );
    return new Map(rows.map((row) => [row.uid, row.text]));
  }

  async recentProtocolCache(before: number | null, limit: number): Promise<{ readonly entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>; readonly next: number | null }> {
    const rows = await storeQuery<{ id: number; blob: BlobId; text: string }>(
      this.pool,
      'SELECT id, digest AS blob, protocol_cache AS text FROM bodies WHERE id < $1 AND protocol_cache IS NOT NULL ORDER BY id DESC LIMIT $2',
      [before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return { entries: rows.map(({ blob, text }) => ({ blob, text })), next: rows.length < limit ? null : rows[rows.length - 1]!.id };
  }

  async saveProtocolCache(entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>): Promise<void> {
    if (entries.length === 0) return;
    await this.write(async (client) => {
      // Only a cache, rebuilt when lost: committed without waiting for the WAL flush (as SQLite's synchronous=NORMAL there).
      await client.query('SET LOCAL synchronous_commit = off');
      await storeQuery(
        client,
        `UPDATE bodies b SET protocol_cache = e.text FROM unnest($1::text[], $2::text[]) AS e(digest, text)
         WHERE b.digest = e.digest AND b.protocol_cache IS NULL`,
        [entries.map((entry) => entry.blob), entries.map((entry) => entry.text)],
      );
    });
  }

  readBlob(blob: BlobId, start?: number, end?: number): Promise<Buffer> {
    return this.blobs.get(blob, start, end);
  }

  streamBlob(blob: BlobId): Promise<Readable> {
    return this.blobs.stream(blob);
  }

  async storeFlags(mailbox: MailboxId, uids: readonly Uid[], operation: FlagOperation, flags: readonly Flag[], unchangedSince?: ModSeq): Promise<StoreFlagsResult> {
    const change = parseFlags(flags);
    const { updated, modified, account, modSeq } = await this.write(async (client) => {
      const account = (await this.requireMailbox(client, mailbox, true)).account as AccountId;
      const updated: MessageRecord[] = [];
      const modified: Uid[] = [];
      for (const row of await this.messagesByUid(client, mailbox, uids)) {
        // RFC 7162 §3.1.3: a row changed after UNCHANGEDSINCE is left alone and reported.
        if (unchangedSince !== undefined && row.modseq > unchangedSince) {
          modified.push(row.uid as Uid);
          continue;
        }
        const next = applyFlagOperation(row, operation, change);
        if (next !== row) updated.push({ ...row, ...next });
      }
      if (updated.length === 0) return { updated, modified, account, modSeq: undefined };
      // RFC 7162 §3.1: one new MODSEQ for every row this STORE changes.
      const modSeq = await this.bumpModSeq(client, mailbox);
      await storeQuery(
        client,
        `UPDATE messages m SET system = v.system, keywords = v.keywords, modseq = $2
         FROM unnest($3::bigint[], $4::int[], $5::text[]) AS v(uid, system, keywords) WHERE m.mailbox = $1 AND m.uid = v.uid`,
        [mailbox, modSeq, updated.map((row) => row.uid), updated.map((row) => row.system), updated.map((row) => row.keywords)],
      );
      return { updated: updated.map((row) => ({ ...row, modseq: modSeq })), modified, account, modSeq };
    });
    const rows = updated.map((row) => this.messageRow(row));
    if (modSeq !== undefined) this.publish({ kind: 'flags', account, mailbox, uids: rows.map((row) => row.uid), modSeq: asModSeq(modSeq) });
    return { updated: rows, modified };
  }

  async recentUids(mailbox: MailboxId): Promise<Uid[]> {
    return (await storeQuery<{ uid: Uid }>(this.pool, 'SELECT uid FROM messages WHERE mailbox = $1 AND recent ORDER BY uid', [mailbox])).map((row) => row.uid);
  }

  /** Row locks make the claim once-only across nodes: two sessions never both get a UID. */
  async claimRecent(mailbox: MailboxId): Promise<Uid[]> {
    const rows = await storeQuery<{ uid: Uid }>(this.pool, 'UPDATE messages SET recent = false WHERE mailbox = $1 AND recent RETURNING uid', [mailbox]);
    return rows.map((row) => row.uid).sort((a, b) => a - b);
  }

  async copyMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult> {
    const { result, appended } = await this.write(async (client) => {
      await this.lockMailboxes(client, [source, destination]);
      return this.copyRows(client, source, uids, destination);
    });
    this.publishAppends(appended);
    return result;
  }

  async moveMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult> {
    const { result, appended, expunged } = await this.write(async (client) => {
      await this.lockMailboxes(client, [source, destination]);
      const copied = await this.copyRows(client, source, uids, destination);
      return { ...copied, expunged: await this.removeMessages(client, source, copied.result.mapping.map(([from]) => from)) };
    });
    // RFC 6851 §4.4: the source learns of the EXPUNGE, the destination of the new messages.
    this.publishAppends(appended);
    if (expunged !== null) this.publish(expunged);
    return result;
  }

  async expunge(mailbox: MailboxId, uids?: readonly Uid[]): Promise<Uid[]> {
    const change = await this.write(async (client) => {
      await this.requireMailbox(client, mailbox, true);
      const among = uids === undefined ? '' : 'AND uid = ANY($3::bigint[])';
      const deleted = await storeQuery<{ uid: Uid }>(
        client,
        `SELECT uid FROM messages WHERE mailbox = $1 AND (system & $2) <> 0 ${among} ORDER BY uid`,
        uids === undefined ? [mailbox, DELETED_BIT] : [mailbox, DELETED_BIT, uids],
      );
      return this.removeMessages(client, mailbox, deleted.map((row) => row.uid));
    });
    if (change === null) return [];
    this.publish(change);
    return [...change.uids];
  }

  searchText(mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>> {
    return searchBodyText(this.pool, mailbox, field, query);
  }

  privateSeen(mailbox: MailboxId, reader: AccountId): Promise<Set<Uid>> {
    return privateSeenUids(this.pool, mailbox, reader);
  }

  async setPrivateSeen(mailbox: MailboxId, reader: AccountId, uids: readonly Uid[], seen: boolean): Promise<Uid[]> {
    const { changed, account, modSeq } = await this.write(async (client) => {
      const account = (await this.requireMailbox(client, mailbox, true)).account as AccountId;
      const changed = await setPrivateSeenIn(client, mailbox, reader, uids, seen);
      if (changed.length === 0) return { changed, account, modSeq: undefined };
      const modSeq = await this.bumpModSeq(client, mailbox);
      await storeQuery(client, 'UPDATE messages SET modseq = $2 WHERE mailbox = $1 AND uid = ANY($3::bigint[])', [mailbox, modSeq, changed]);
      return { changed, account, modSeq };
    });
    // Sessions with the mailbox open re-read these rows, each through its own reader (CONDSTORE included).
    if (modSeq !== undefined) this.publish({ kind: 'flags', account, mailbox, uids: changed, modSeq: asModSeq(modSeq) });
    return changed;
  }

  /**
   * Bodies no message names, then bytes no body names (also those put through the BlobStore
   * alone). A delivery on another node that reuses a body locks its row first (store_body, schema.ts), so
   * the two never both succeed: one waits, or fails and is retried.
   */
  async purgeUnreferencedBlobs(): Promise<number> {
    return this.write(async (client) => {
      await storeQuery(client, 'DELETE FROM bodies b WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.body = b.id)');
      const removed = await storeQuery(client, 'DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM bodies b WHERE b.digest = blobs.digest) RETURNING 1');
      return removed.length;
    });
  }

  async purgeAccount(account: AccountId, options: PurgeOptions = {}): Promise<number> {
    const removed = await this.write(async (client) => {
      const [{ messages }] = (await storeQuery<{ messages: number }>(
        client,
        'SELECT count(*) AS messages FROM messages WHERE mailbox IN (SELECT id FROM mailboxes WHERE account = $1)',
        [account],
      )) as [{ messages: number }];
      // Messages, expunge records and private \Seen of these mailboxes go with them: ON DELETE CASCADE.
      const mailboxes = (await storeQuery(client, 'DELETE FROM mailboxes WHERE account = $1 RETURNING 1', [account])).length;
      await storeQuery(client, 'DELETE FROM subscriptions WHERE account = $1', [account]);
      // As a reader of unit mailboxes: the address may be given to someone else later.
      await forgetPrivateSeenReader(client, account);
      options.inTransaction?.(messages);
      return { messages, mailboxes };
    });
    if (removed.mailboxes > 0) this.publish({ kind: 'mailboxes', account });
    return removed.messages;
  }

  /**
   * Another process changed data this node's readers depend on (the CLI writing the SQLite
   * directory beside a PostgreSQL store): sessions and caches re-read, as after SQLite's
   * 'external' event (DESIGN.md "CLI").
   */
  announceExternalChange(): void {
    this.publish({ kind: 'external' });
  }

  /** Waits for the writes in flight; the pool is the caller's to end (other components may share it). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
  }

  // --- internals: run inside a transaction, never publish -----------------------------------

  /** One transaction (see retrying). */
  private write<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
    return this.retrying(() => inPgTransaction(this.pool, work));
  }

  /**
   * One statement without BEGIN/COMMIT: PostgreSQL runs it as a transaction of its own and
   * commits it before the ReadyForQuery that resolves the query (PostgreSQL §55.2.3 "Extended
   * Query": Sync closes an implicit transaction; synchronous_commit on, database.ts), so it is as
   * durable as a transaction of one statement and costs one round trip.
   */
  private writeOne<R extends object>(statement: MessageStatement): Promise<R[]> {
    return this.retrying(() => storeQuery<R>(this.pool, statement.text, statement.values));
  }

  /** A message statement inside `client`'s transaction, a large body stored first chunk by chunk. */
  private async runMessageStatement<R extends object>(client: PgClient, statement: MessageStatement, message: PreparedMessage): Promise<R[]> {
    if (!statement.bodyInline) await this.blobs.storeIn(client, message.sha256, message.pieces);
    return storeQuery<R>(client, statement.text, statement.values);
  }

  /** Runs `attempt` again after a deadlock or serialization failure; PostgreSQL's errors become StoreErrors where one fits. */
  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('cannot', 'the store is closed');
    const run = (async () => {
      for (let count = 1; ; count++) {
        try {
          return await attempt();
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (code !== undefined && RETRYABLE.has(code) && count < MAX_ATTEMPTS) continue;
          if (code !== undefined && STORAGE_FULL.has(code)) throw new StoreError('full', `the database refused the write: ${(error as Error).message}`);
          if (code === NO_DATA_FOUND) throw new StoreError('nonexistent', (error as Error).message);
          throw error;
        }
      }
    })();
    this.inflight.add(run);
    try {
      return await run;
    } finally {
      this.inflight.delete(run);
    }
  }

  /** The one place changes leave the store, after COMMIT (another node's notification hooks here). */
  private publish(change: MailboxChange): void {
    this.events.emit('change', change);
  }

  private publishAppends(appended: readonly Appended[]): void {
    for (const change of appendChanges(appended)) this.publish(change);
  }

  private messageRow(row: MessageRecord): MessageRow {
    return toMessageRow(this.flagLists, row);
  }

  private messagesByUid(on: PgPool | PgClient, mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageRecord[]> {
    return storeQuery<MessageRecord>(on, `SELECT ${MESSAGE_COLUMNS} FROM ${MESSAGES_WITH_DIGEST} WHERE m.mailbox = $1 AND m.uid = ANY($2::bigint[]) ORDER BY m.uid`, [
      mailbox,
      uids,
    ]);
  }

  private async mailboxesOf(on: PgPool | PgClient, account: AccountId, lock = false): Promise<MailboxRow[]> {
    return storeQuery<MailboxRow>(on, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account = $1 ORDER BY name${lock ? ' FOR UPDATE' : ''}`, [account]);
  }

  private async mailboxByName(on: PgPool | PgClient, account: AccountId, name: string): Promise<MailboxRow | undefined> {
    const [row] = await storeQuery<MailboxRow>(on, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account = $1 AND name = $2`, [account, name]);
    return row;
  }

  /** Appends prepared messages to `mailbox` in the transaction on `client`, one statement each (UIDs in commit order). */
  private async appendPrepared(client: PgClient, mailbox: MailboxId, prepared: readonly PreparedMessage[]): Promise<AppendedMessages> {
    const rows: AppendedRow[][] = [];
    for (const message of prepared) rows.push(await this.runMessageStatement<AppendedRow>(client, appendStatement(mailbox, message), message));
    return appendedRows(mailbox, rows);
  }

  private async requireMailbox(on: PgPool | PgClient, id: MailboxId, lock = false): Promise<MailboxRow> {
    const [row] = await storeQuery<MailboxRow>(on, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (row === undefined) throw new StoreError('nonexistent', `no mailbox ${id}`);
    return row;
  }

  private async requireMailboxByName(client: PgClient, account: AccountId, name: string): Promise<MailboxRow> {
    const [row] = await storeQuery<MailboxRow>(client, `SELECT ${MAILBOX_COLUMNS} FROM mailboxes WHERE account = $1 AND name = $2 FOR UPDATE`, [account, name]);
    if (row === undefined) throw new StoreError('nonexistent', `no mailbox ${name}`);
    return row;
  }

  /** Locks mailbox rows in id order (every multi-mailbox write does), so two such writes cannot deadlock; all must exist. */
  private async lockMailboxes(client: PgClient, ids: readonly MailboxId[]): Promise<void> {
    for (const id of [...new Set(ids)].sort((a, b) => a - b)) await this.requireMailbox(client, id, true);
  }

  /**
   * A new mailbox, or undefined when the name is taken (by another node meanwhile, too). UIDVALIDITY:
   * the current time in seconds, and above every value handed out before, so a mailbox re-created
   * within the same second still gets a new one (RFC 3501 §2.3.1.1); the store_state row lock
   * orders nodes.
   */
  private async insertMailbox(client: PgClient, account: AccountId, name: string, specialUse: SpecialUse | null): Promise<MailboxRow | undefined> {
    const [{ value: uidValidity }] = (await storeQuery<{ value: number }>(
      client,
      `INSERT INTO store_state (key, value) VALUES ('uidvalidity', $1)
       ON CONFLICT (key) DO UPDATE SET value = greatest(store_state.value + 1, excluded.value) RETURNING value`,
      [Math.floor(Date.now() / 1000)],
    )) as [{ value: number }];
    const [row] = await storeQuery<MailboxRow>(
      client,
      `INSERT INTO mailboxes (account, name, special_use, uidvalidity) VALUES ($1, $2, $3, $4)
       ON CONFLICT (account, name) DO NOTHING RETURNING ${MAILBOX_COLUMNS}`,
      [account, name, specialUse, uidValidity],
    );
    return row;
  }

  /** RFC 3501 §6.3.3: the superiors a new name needs; a \Noselect parent (inferiors, no row) stays \Noselect. */
  private async createParents(client: PgClient, account: AccountId, name: string): Promise<void> {
    const existing = await this.mailboxesOf(client, account);
    for (const parent of parentNames(name)) {
      if (!existing.some((row) => isSameOrInferior(row.name, parent))) await this.insertMailbox(client, account, parent, null);
    }
  }

  /** The default folders that are missing (a renamed one keeps its special use); subscribed, as in SQLite. Returns whether any was made. */
  private async createDefaultFolders(client: PgClient, account: AccountId): Promise<boolean> {
    const missing = await this.missingDefaultFolders(client, account);
    let created = false;
    for (const folder of missing) created = (await this.createSubscribedFolder(client, account, folder.name, folder.specialUse)) || created;
    return created;
  }

  private async missingDefaultFolders(on: PgPool | PgClient, account: AccountId): Promise<typeof DEFAULT_FOLDERS> {
    const existing = await this.mailboxesOf(on, account);
    return DEFAULT_FOLDERS.filter(
      (folder) => !existing.some((row) => row.name === folder.name || (folder.specialUse !== null && row.special_use === folder.specialUse)),
    );
  }

  private async createSubscribedFolder(client: PgClient, account: AccountId, name: string, specialUse: SpecialUse | null): Promise<boolean> {
    if ((await this.insertMailbox(client, account, name, specialUse)) === undefined) return false;
    await this.subscribe(client, account, name);
    return true;
  }

  private async subscribe(on: PgPool | PgClient, account: AccountId, name: string): Promise<void> {
    await storeQuery(on, 'INSERT INTO subscriptions (account, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [account, name]);
  }

  /**
   * Makes the mailbox a delivery copy needs when delivery_mailbox (schema.ts) finds none, as
   * SqliteMailStore.deliveryMailbox does: an account without INBOX (no client opened it yet) gets
   * all default folders; a deleted Junk comes back; a `fileinto :create` folder is made with its
   * parents. Each step makes what the next lookup needs, so three lookups always suffice.
   */
  private async makeDeliveryMailbox(client: PgClient, target: DeliveryTarget, created: Set<AccountId>): Promise<void> {
    const account = target.account;
    const [kind, name, create] = deliveryFolderValues(target);
    for (let step = 0; step < 3; step++) {
      const [found] = await storeQuery<{ id: number | null }>(client, 'SELECT delivery_mailbox($1, $2, $3, $4) AS id', [account, kind, name, create]);
      if (found!.id !== null) return;
      let made: boolean;
      if ((await this.mailboxByName(client, account, 'INBOX')) === undefined) made = await this.createDefaultFolders(client, account);
      else if (kind === 'junk') made = await this.createSubscribedFolder(client, account, 'Junk', '\\Junk');
      else {
        await this.createParents(client, account, name);
        made = await this.createSubscribedFolder(client, account, name, null);
      }
      if (made) created.add(account);
    }
  }

  private async allocateUids(client: PgClient, mailbox: MailboxId, count: number): Promise<{ first: number; modseq: number; account: AccountId }> {
    const [slot] = await storeQuery<{ first: number; modseq: number; account: AccountId }>(
      client,
      `UPDATE mailboxes SET uidnext = uidnext + $2, highestmodseq = highestmodseq + 1 WHERE id = $1
       RETURNING uidnext - $2 AS first, highestmodseq AS modseq, account`,
      [mailbox, count],
    );
    if (slot === undefined) throw new StoreError('nonexistent', `no mailbox ${mailbox}`);
    return slot;
  }

  private async bumpModSeq(client: PgClient, mailbox: MailboxId): Promise<number> {
    const [row] = await storeQuery<{ modseq: number }>(client, 'UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = $1 RETURNING highestmodseq AS modseq', [
      mailbox,
    ]);
    return row!.modseq;
  }

  /** COPY: new UIDs in source UID order, one MODSEQ, flags kept, \Recent set (RFC 3501 §6.4.7). */
  private async copyRows(client: PgClient, source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<{ result: CopyResult; appended: Appended[] }> {
    await this.requireMailbox(client, source);
    const target = await this.requireMailbox(client, destination);
    const rows = await this.messagesByUid(client, source, uids);
    if (rows.length === 0) return { result: { uidValidity: target.uidvalidity, mapping: [] }, appended: [] };
    const slot = await this.allocateUids(client, destination, rows.length);
    const newUids = rows.map((_, index) => slot.first + index);
    await storeQuery(
      client,
      `INSERT INTO messages (mailbox, uid, modseq, system, keywords, internal_date, size, body)
       SELECT $1, v.uid, $2, v.system, v.keywords, v.internal_date, v.size, v.body
       FROM unnest($3::bigint[], $4::int[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) AS v(uid, system, keywords, internal_date, size, body)`,
      [
        destination,
        slot.modseq,
        newUids,
        rows.map((row) => row.system),
        rows.map((row) => row.keywords),
        rows.map((row) => row.internal_date),
        rows.map((row) => row.size),
        rows.map((row) => row.body),
      ],
    );
    const mapping = rows.map((row, index) => [row.uid as Uid, asUid(newUids[index]!)] as const);
    const appended = mapping.map(([, uid]) => ({ account: slot.account, mailbox: destination, uid, modSeq: asModSeq(slot.modseq) }));
    return { result: { uidValidity: target.uidvalidity, mapping }, appended };
  }

  /** Removes rows and remembers them for VANISHED (RFC 7162 §3.2.10), all under one new MODSEQ. */
  private async removeMessages(client: PgClient, mailbox: MailboxId, uids: readonly Uid[]): Promise<Extract<MailboxChange, { kind: 'expunge' }> | null> {
    if (uids.length === 0) return null;
    const modSeq = await this.bumpModSeq(client, mailbox);
    await storeQuery(client, 'DELETE FROM messages WHERE mailbox = $1 AND uid = ANY($2::bigint[])', [mailbox, uids]);
    await this.expunged.record(client, mailbox, uids, modSeq);
    const account = (await this.requireMailbox(client, mailbox)).account as AccountId;
    return { kind: 'expunge', account, mailbox, uids: [...uids].sort((a, b) => a - b), modSeq: asModSeq(modSeq) };
  }

  /** RFC 3501 §6.3.5: renaming INBOX moves its messages to a new mailbox of that name; INBOX's inferiors stay. */
  private async renameInbox(client: PgClient, inbox: MailboxRow, target: string): Promise<MailboxChange[]> {
    const account = inbox.account as AccountId;
    await this.createParents(client, account, target);
    const created = (await this.insertMailbox(client, account, target, null))!;
    const uids = (await storeQuery<{ uid: Uid }>(client, 'SELECT uid FROM messages WHERE mailbox = $1 ORDER BY uid', [inbox.id])).map((row) => row.uid);
    const { appended } = await this.copyRows(client, inbox.id as MailboxId, uids, created.id as MailboxId);
    const expunged = await this.removeMessages(client, inbox.id as MailboxId, uids);
    return expunged === null ? [] : [expunged, ...appendChanges(appended)];
  }
}
