import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { MailStore } from './api.js';
import { SqliteBlobStore } from './blobs.js';
import { migrate, type Db } from './database.js';
import { PrivateSeen } from './private-seen.js';
import { DEFAULT_VANISHED_HISTORY, ExpungeHistory } from './expunge-history.js';
import { watchExternalChanges } from './external-changes.js';
import { DELETED_BIT, SEEN_BIT, applyFlagOperation, parseFlags, type StoredFlags } from './flags.js';
import { FullTextIndex } from './fts.js';
import { GroupCommit } from './group-commit.js';
import { MessageReads, uidList } from './message-reads.js';
import { asStorageError } from './storage-full.js';
import { canonicalMailboxName, isSameOrInferior, isValidMailboxName, parentNames, validMailboxName } from './mailbox-names.js';
import { appendChanges, type Appended } from './change-events.js';
import { deliveryCopies, prepareMessage, type DeliveryCopy, type PreparedMessage } from './prepared-message.js';
import { STORE_MIGRATIONS } from './schema.js';
import { openDiligenceStore, type DiligenceStore, type SqliteDiligenceStore } from './unit-diligence.js';
import { toMailboxInfo } from './mailbox-row.js';
import { prepareStatements, type MailboxRow, type StoreStatements } from './statements.js';
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
  type DiligenceRecord,
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
  type SpecialUse,
  type StoreFlagsResult,
  type TextField,
  type PurgeOptions,
  type Uid,
} from './types.js';

/** Accounts whose usage is remembered at once; past it the cache starts over (bounded memory). */
const MAX_CACHED_USAGES = 20_000;

interface DeliveryJob {
  readonly message: PreparedMessage;
  readonly targets: readonly DeliveryCopy[];
  readonly inTransaction: (() => void) | undefined;
  readonly diligence: DiligenceRecord | undefined;
}

/** A delivery's result, the rows it added and the accounts that got a folder made for it (fileinto :create). */
interface DeliveryOutcome {
  readonly result: DeliveryResult;
  readonly appended: Appended[];
  readonly created: AccountId[];
}

/**
 * The MailStore on SQLite (DESIGN.md "Data", "Durability"). Construct it on the handle from
 * openDatabase so the directory shares the same connection; the constructor applies the store's
 * migrations.
 *
 * Notes:
 * - Every write is one IMMEDIATE transaction (the write lock is taken first, so a CLI process
 *   writing at the same time waits on busy_timeout instead of failing half-way).
 * - Change events are emitted only after COMMIT; internal helpers never emit, public methods do.
 * - UIDs and MODSEQs are allocated by one UPDATE … RETURNING on the mailbox row inside the
 *   transaction, so they are strictly ascending even with the CLI writing concurrently.
 * - One MODSEQ per operation: all rows a STORE/EXPUNGE/COPY changes share the new value (RFC 7162 §3.1).
 */
export class SqliteMailStore implements MailStore {
  readonly events = new EventEmitter<{ change: [MailboxChange] }>();
  readonly changesEmitted = 'in-call';
  /** Bodies (the store's BlobStore); new ones are indexed for SEARCH in `fts` after their commit. */
  readonly blobs: SqliteBlobStore;
  /** Unit diligence memory (Điều 9.2), written by deliveries that carry a record (DeliveryOptions `diligence`). */
  get diligence(): DiligenceStore {
    return this.diligenceMemory;
  }
  private readonly fts: FullTextIndex;
  private readonly diligenceMemory: SqliteDiligenceStore;
  private readonly deliveries: GroupCommit<DeliveryJob, DeliveryOutcome>;
  private readonly stopWatching: () => void;
  private readonly sql: StoreStatements;
  private readonly reads: MessageReads;
  private readonly readers: PrivateSeen;
  private readonly expunged: ExpungeHistory;
  /**
   * accountUsage by account: the MX asks it at every RCPT and DATA (src/smtp/quota.ts) and it was
   * 1.6 % of the event loop's busy time in the served SMTP bench. Emptied by every write this
   * connection makes (write(), each delivery job) and by a commit of another process (the
   * 'external' event, within a second: DESIGN.md "CLI"); never filled inside a transaction,
   * which could still roll back.
   */
  private readonly usage = new Map<AccountId, number>();

  /**
   * `vanishedHistory`: expunged UIDs kept per mailbox for RFC 7162 VANISHED (`[imap] vanished_history`, expunge-history.ts).
   * `indexUnindexed`: index the bodies that have no search index row yet (FullTextIndex.backfill) —
   * the server at start; not a process opening the database beside a running server (the CLI),
   * whose latest bodies are still waiting in the server's own queue.
   */
  constructor(
    private readonly db: Db,
    options: { readonly vanishedHistory?: number; readonly indexUnindexed?: boolean } = {},
  ) {
    migrate(db, 'store', STORE_MIGRATIONS);
    // After the store's tables: a reminder row references `messages`.
    this.diligenceMemory = openDiligenceStore(db);
    this.readers = new PrivateSeen(db);
    this.expunged = new ExpungeHistory(db, options.vanishedHistory ?? DEFAULT_VANISHED_HISTORY);
    this.sql = prepareStatements(db);
    this.blobs = new SqliteBlobStore(db);
    this.fts = new FullTextIndex(db);
    this.reads = new MessageReads(this.sql, this.blobs, this.fts);
    // Bodies stored before the search index existed, or left unindexed by a crash (FullTextIndex.backfill).
    if (options.indexUnindexed) this.fts.backfill((id) => this.blobs.readRow(id));
    this.deliveries = new GroupCommit(
      db,
      (job) => this.applyDelivery(job),
      (results) => {
        for (const account of new Set(results.flatMap((r) => r.created))) this.events.emit('change', { kind: 'mailboxes', account });
        this.emitAppends(results.flatMap((r) => r.appended));
      },
    );
    this.stopWatching = watchExternalChanges(db, () => {
      this.usage.clear();
      this.events.emit('change', { kind: 'external' });
    });
    // Every IMAP session (IDLE, selected mailbox) listens: hundreds of listeners are normal here.
    this.events.setMaxListeners(0);
  }

  /** Transactions and deliveries of the group commit so far (tests and the benchmark read it). */
  get deliveryStats(): { readonly transactions: number; readonly jobs: number } {
    return this.deliveries.stats;
  }

  // --- accounts and mailboxes --------------------------------------------------------------

  async ensureAccount(account: AccountId): Promise<void> {
    // Called on every login: the common case (nothing missing) reads only and takes no write lock.
    if (this.missingDefaultFolders(account).length === 0) return;
    if (this.write(() => this.createDefaultFolders(account))) this.events.emit('change', { kind: 'mailboxes', account });
  }

  async listMailboxes(account: AccountId): Promise<MailboxInfo[]> {
    return this.sql.mailboxesOfAccount.all(account).map(toMailboxInfo);
  }

  async getMailbox(account: AccountId, name: string): Promise<MailboxInfo | null> {
    const row = this.sql.mailboxByName.get(account, canonicalMailboxName(name));
    return row === undefined ? null : toMailboxInfo(row);
  }

  async getMailboxById(id: MailboxId): Promise<MailboxInfo | null> {
    const row = this.sql.mailboxById.get(id);
    return row === undefined ? null : toMailboxInfo(row);
  }

  async largestMailbox(): Promise<MailboxInfo | null> {
    const row = this.sql.largestMailbox.get();
    return row === undefined ? null : toMailboxInfo(row);
  }

  async createMailbox(account: AccountId, name: string, specialUse: SpecialUse | null = null): Promise<MailboxInfo> {
    const canonical = validMailboxName(name);
    const row = this.write(() => {
      if (this.sql.mailboxByName.get(account, canonical) !== undefined) {
        throw new StoreError('already-exists', `mailbox ${canonical} already exists`);
      }
      this.createParents(account, canonical);
      return this.insertMailbox(account, canonical, specialUse);
    });
    this.events.emit('change', { kind: 'mailboxes', account });
    return toMailboxInfo(row);
  }

  async deleteMailbox(account: AccountId, name: string): Promise<void> {
    const canonical = canonicalMailboxName(name);
    // RFC 3501 §6.3.4: deleting INBOX is an error.
    if (canonical === 'INBOX') throw new StoreError('cannot', 'INBOX cannot be deleted');
    this.write(() => {
      // RFC 3501 §6.3.4 (RFC 9051 §6.3.5): the mailbox and its messages go, its inferiors stay; the
      // name then lives on as a \Noselect parent, which is no row at all (docs/architecture.md
      // "Mailbox hierarchy") and so disappears with its last inferior.
      this.sql.deleteMailbox.run(this.requireMailboxByName(account, canonical).id);
    });
    this.events.emit('change', { kind: 'mailboxes', account });
  }

  async renameMailbox(account: AccountId, from: string, to: string): Promise<void> {
    const source = canonicalMailboxName(from);
    const target = validMailboxName(to);
    const changes: MailboxChange[] = [{ kind: 'mailboxes', account }];
    this.write(() => {
      const existing = this.sql.mailboxesOfAccount.all(account);
      // RFC 9051 §6.3.6: renaming moves the hierarchy below the name, so a \Noselect name (no row,
      // inferiors only) is renamed too: its inferiors move and it stays \Noselect at the new place.
      if (source !== 'INBOX' && !existing.some((row) => isSameOrInferior(row.name, source))) {
        throw new StoreError('nonexistent', `no mailbox ${source}`);
      }
      // A \Noselect name (inferiors, no row) exists too (RFC 3501 §6.3.5: "an error ... to rename ...
      // to a mailbox name that already exists").
      if (existing.some((row) => isSameOrInferior(row.name, target))) {
        throw new StoreError('already-exists', `mailbox ${target} already exists`);
      }
      if (source === 'INBOX') {
        changes.push(...this.renameInbox(this.requireMailboxByName(account, source), target));
        return;
      }
      if (isSameOrInferior(target, source)) throw new StoreError('cannot', 'a mailbox cannot be moved below itself');
      // With no name at or below `target` taken, no inferior's new name can be taken either.
      const moving = existing.filter((row) => isSameOrInferior(row.name, source));
      this.createParents(account, target);
      // RFC 3501 §6.3.5: inferior names are renamed too; UIDVALIDITY stays, the mailbox is the same.
      for (const row of moving) this.sql.renameMailbox.run(target + row.name.slice(source.length), row.id);
    });
    for (const change of changes) this.events.emit('change', change);
  }

  async mailboxCounts(id: MailboxId): Promise<MailboxCounts> {
    this.requireMailbox(id);
    return this.sql.counts.get({ seen: SEEN_BIT, deleted: DELETED_BIT, id })!;
  }

  async setSubscribed(account: AccountId, name: string, subscribed: boolean): Promise<void> {
    const canonical = canonicalMailboxName(name);
    this.write(() => (subscribed ? this.sql.subscribe : this.sql.unsubscribe).run(account, canonical));
    this.events.emit('change', { kind: 'mailboxes', account });
  }

  async listSubscriptions(account: AccountId): Promise<string[]> {
    return this.sql.subscriptions.all(account);
  }

  async accountUsage(account: AccountId): Promise<number> {
    const cached = this.usage.get(account);
    if (cached !== undefined) return cached;
    const used = this.sql.accountUsage.get(account)!;
    if (!this.db.inTransaction) {
      if (this.usage.size >= MAX_CACHED_USAGES) this.usage.clear();
      this.usage.set(account, used);
    }
    return used;
  }

  // --- messages ----------------------------------------------------------------------------

  async deliver(targets: readonly DeliveryTarget[], raw: MessageBytes, options: DeliveryOptions = {}): Promise<DeliveryResult> {
    const message = prepareMessage(raw, options);
    const job = { message, targets: deliveryCopies(targets, message), inTransaction: options.inTransaction, diligence: options.diligence };
    return (await this.deliveries.submit(job)).result;
  }

  async append(mailbox: MailboxId, raw: Buffer, options: { flags?: readonly Flag[]; internalDate?: Date } = {}): Promise<AppendResult> {
    return (await this.appendMessages(mailbox, [{ raw, ...options }]))[0]!;
  }

  async appendMessages(mailbox: MailboxId, messages: readonly AppendMessage[]): Promise<AppendResult[]> {
    return this.appendMessagesNow(mailbox, messages);
  }

  /**
   * appendMessages as one synchronous step, for SQLite-only code that runs it inside a transaction
   * of its own on the same connection (mbox.ts: a message and its ledger row commit together).
   */
  appendMessagesNow(mailbox: MailboxId, messages: readonly AppendMessage[]): AppendResult[] {
    const prepared = messages.map((message) => prepareMessage(message.raw, message));
    const { appended, uidValidity } = this.write(() => {
      const row = this.requireMailbox(mailbox);
      const rows = prepared.map((message) => this.insertMessage(row.id, this.storeBody(message), message));
      return { appended: rows, uidValidity: row.uidvalidity };
    });
    this.emitAppends(appended);
    return appended.map(({ uid }) => ({ mailbox, uidValidity, uid }));
  }

  async listMessages(mailbox: MailboxId, options: MessageListOptions = {}): Promise<MessageRow[]> {
    return this.reads.listMessages(mailbox, options);
  }

  async getMessages(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageRow[]> {
    return this.reads.getMessages(mailbox, uids);
  }

  async expungedSince(mailbox: MailboxId, since: ModSeq): Promise<Uid[] | null> {
    return this.expunged.since(mailbox, since);
  }

  async getMessageMeta(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageMeta[]> {
    return this.reads.getMessageMeta(mailbox, uids);
  }

  async protocolCache(mailbox: MailboxId, uids: readonly Uid[]): Promise<Map<Uid, string>> {
    return new Map(this.sql.protocolCache.all(mailbox, uidList(uids)).map((row) => [row.uid as Uid, row.text]));
  }

  async recentProtocolCache(before: number | null, limit: number): Promise<{ readonly entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>; readonly next: number | null }> {
    const rows = this.sql.protocolCacheBefore.all(before ?? Number.MAX_SAFE_INTEGER, limit);
    return { entries: rows.map((row) => ({ blob: row.blob as BlobId, text: row.text })), next: rows.length < limit ? null : rows[rows.length - 1]!.id };
  }

  async saveProtocolCache(entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>): Promise<void> {
    if (entries.length === 0) return;
    // Only a cache, rebuilt when lost: committed without waiting for the disk (WAL with
    // synchronous=NORMAL; a later FULL commit's fsync covers these frames too), so the first sync
    // of a large mailbox does not pay an fsync per FETCH batch.
    this.db.pragma('synchronous = NORMAL');
    try {
      this.write(() => {
        for (const { blob, text } of entries) this.sql.setProtocolCache.run(text, blob);
      });
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async readBlob(blob: BlobId, start?: number, end?: number): Promise<Buffer> {
    return this.reads.readBlob(blob, start, end);
  }

  streamBlob(blob: BlobId): Promise<Readable> {
    return this.blobs.stream(blob);
  }

  async storeFlags(
    mailbox: MailboxId,
    uids: readonly Uid[],
    operation: FlagOperation,
    flags: readonly Flag[],
    unchangedSince?: ModSeq,
  ): Promise<StoreFlagsResult> {
    const change = parseFlags(flags);
    const updated: MessageRow[] = [];
    const modified: Uid[] = [];
    let account: AccountId | undefined;
    let modSeq: number | undefined;
    this.write(() => {
      account = this.requireMailbox(mailbox).account as AccountId;
      for (const row of this.sql.messagesByUid.all(mailbox, uidList(uids))) {
        // RFC 7162 §3.1.3: a row changed after UNCHANGEDSINCE is left alone and reported.
        if (unchangedSince !== undefined && row.modseq > unchangedSince) {
          modified.push(row.uid as Uid);
          continue;
        }
        const next = applyFlagOperation(row, operation, change);
        if (next === row) continue;
        modSeq ??= this.sql.bumpModSeq.get(mailbox)!;
        this.sql.updateFlags.run(next.system, next.keywords, modSeq, mailbox, row.uid);
        updated.push(this.reads.messageRow({ ...row, ...next, modseq: modSeq }));
      }
    });
    if (modSeq !== undefined && account !== undefined) {
      this.events.emit('change', { kind: 'flags', account, mailbox, uids: updated.map((row) => row.uid), modSeq: asModSeq(modSeq) });
    }
    return { updated, modified };
  }

  async recentUids(mailbox: MailboxId): Promise<Uid[]> {
    return this.sql.recentUids.all(mailbox) as Uid[];
  }

  async claimRecent(mailbox: MailboxId): Promise<Uid[]> {
    const uids = this.write(() => this.sql.claimRecent.all(mailbox));
    return (uids as Uid[]).sort((a, b) => a - b);
  }

  async copyMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult> {
    const { result, appended } = this.write(() => this.copyRows(source, uids, destination));
    this.emitAppends(appended);
    return result;
  }

  async moveMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult> {
    const { result, appended, expunged } = this.write(() => {
      const copied = this.copyRows(source, uids, destination);
      const moved = copied.result.mapping.map(([from]) => from);
      return { ...copied, expunged: this.removeMessages(source, moved) };
    });
    // RFC 6851 §4.4: the source learns of the EXPUNGE, the destination of the new messages.
    this.emitAppends(appended);
    if (expunged !== null) this.events.emit('change', expunged);
    return result;
  }

  async expunge(mailbox: MailboxId, uids?: readonly Uid[]): Promise<Uid[]> {
    const change = this.write(() => {
      this.requireMailbox(mailbox);
      const deleted =
        uids === undefined
          ? this.sql.deletedUids.all(mailbox, DELETED_BIT)
          : this.sql.deletedUidsAmong.all(mailbox, DELETED_BIT, uidList(uids));
      return this.removeMessages(mailbox, deleted as Uid[]);
    });
    if (change === null) return [];
    this.events.emit('change', change);
    return [...change.uids];
  }

  searchText(mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>> {
    return this.reads.searchText(mailbox, field, query);
  }

  async privateSeen(mailbox: MailboxId, reader: AccountId): Promise<Set<Uid>> {
    return this.readers.seen(mailbox, reader);
  }

  async setPrivateSeen(mailbox: MailboxId, reader: AccountId, uids: readonly Uid[], seen: boolean): Promise<Uid[]> {
    let account: AccountId | undefined;
    let modSeq: number | undefined;
    const changed = this.write(() => {
      account = this.requireMailbox(mailbox).account as AccountId;
      const changed = this.readers.set(mailbox, reader, uids, seen);
      if (changed.length > 0) {
        modSeq = this.sql.bumpModSeq.get(mailbox)!;
        this.readers.stampModSeq(mailbox, changed, modSeq);
      }
      return changed;
    });
    // Sessions with the mailbox open re-read these rows, each through its own reader (CONDSTORE included).
    if (modSeq !== undefined && account !== undefined) this.events.emit('change', { kind: 'flags', account, mailbox, uids: changed, modSeq: asModSeq(modSeq) });
    return changed;
  }

  async purgeUnreferencedBlobs(): Promise<number> {
    return this.write(() => this.blobs.purgeUnreferenced());
  }

  async purgeAccount(account: AccountId, options: PurgeOptions = {}): Promise<number> {
    const removed = this.write(() => {
      const messages = this.sql.accountMessageCount.get(account)!;
      // Messages, expunge records (and the mbox import ledger) go with their mailboxes: ON DELETE CASCADE.
      const mailboxes = this.sql.deleteAccountMailboxes.run(account).changes;
      this.sql.deleteAccountSubscriptions.run(account);
      // As a reader of unit mailboxes: the address may be given to someone else later.
      this.readers.forgetReader(account);
      options.inTransaction?.(messages);
      return { messages, mailboxes };
    });
    if (removed.mailboxes > 0) this.events.emit('change', { kind: 'mailboxes', account });
    return removed.messages;
  }

  async close(): Promise<void> {
    this.stopWatching();
    if (!this.db.open) return;
    await this.deliveries.close();
    this.fts.indexPending();
    this.db.close();
  }

  // --- internals: run inside a transaction, never emit -------------------------------------

  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (err) {
      throw asStorageError(err);
    } finally {
      this.usage.clear();
    }
  }

  /** The body's blob row id; a new body's text waits to be indexed for SEARCH after the commit (FullTextIndex). */
  private storeBody(message: PreparedMessage): number {
    const { id, created } = this.blobs.storeNow(message.sha256, message.pieces, message.size, message.analysis);
    if (created) this.fts.enqueue(id, message.sha256, message.analysis.searchText);
    return id;
  }

  private requireMailbox(id: MailboxId): MailboxRow {
    const row = this.sql.mailboxById.get(id);
    if (row === undefined) throw new StoreError('nonexistent', `no mailbox ${id}`);
    return row;
  }

  private requireMailboxByName(account: AccountId, name: string): MailboxRow {
    const row = this.sql.mailboxByName.get(account, name);
    if (row === undefined) throw new StoreError('nonexistent', `no mailbox ${name}`);
    return row;
  }

  /**
   * UIDVALIDITY: the current time in seconds, and above every value handed out before, so a
   * mailbox re-created within the same second still gets a new one (RFC 3501 §2.3.1.1).
   */
  private insertMailbox(account: AccountId, name: string, specialUse: SpecialUse | null): MailboxRow {
    const uidValidity = this.sql.nextUidValidity.get(Math.floor(Date.now() / 1000))!;
    return this.sql.insertMailbox.get(account, name, specialUse, uidValidity)!;
  }

  /**
   * RFC 3501 §6.3.3: the superiors a new name needs. A \Noselect parent (no row, but inferiors)
   * already exists as a name and stays \Noselect; only CREATE of that very name selects it again.
   */
  private createParents(account: AccountId, name: string): void {
    const existing = this.sql.mailboxesOfAccount.all(account);
    for (const parent of parentNames(name)) {
      if (!existing.some((row) => isSameOrInferior(row.name, parent))) this.insertMailbox(account, parent, null);
    }
  }

  /**
   * Creates the default folders that are missing (a renamed one keeps its special use, so it is
   * not created again under the old name) and subscribes new ones, since clients such as
   * Thunderbird show subscribed folders only. Returns whether anything was created.
   */
  private createDefaultFolders(account: AccountId): boolean {
    const missing = this.missingDefaultFolders(account);
    for (const folder of missing) this.createSubscribedFolder(account, folder.name, folder.specialUse);
    return missing.length > 0;
  }

  private missingDefaultFolders(account: AccountId): typeof DEFAULT_FOLDERS {
    return DEFAULT_FOLDERS.filter(
      (folder) =>
        this.sql.mailboxByName.get(account, folder.name) === undefined &&
        (folder.specialUse === null || this.sql.mailboxBySpecialUse.get(account, folder.specialUse) === undefined),
    );
  }

  private createSubscribedFolder(account: AccountId, name: string, specialUse: SpecialUse | null): void {
    this.insertMailbox(account, name, specialUse);
    this.sql.subscribe.run(account, name);
  }

  /**
   * RFC 6154: Junk is the mailbox marked \Junk (whatever the user renamed it to), else one named
   * Junk. A named folder that is missing is made when the target asks (with its parents,
   * subscribed like the default folders); else, or when the name is not valid, the copy goes to INBOX.
   */
  private deliveryMailbox(target: DeliveryTarget, created: Set<AccountId>): MailboxRow | undefined {
    const folder = target.folder;
    if (folder === 'INBOX') return this.sql.mailboxByName.get(target.account, 'INBOX');
    if (folder === 'Junk') return this.sql.mailboxBySpecialUse.get(target.account, '\\Junk') ?? this.sql.mailboxByName.get(target.account, 'Junk');
    const name = canonicalMailboxName(folder.name);
    const existing = this.sql.mailboxByName.get(target.account, name);
    if (existing !== undefined || !folder.create || !isValidMailboxName(name) || this.sql.mailboxByName.get(target.account, 'INBOX') === undefined) {
      return existing ?? this.sql.mailboxByName.get(target.account, 'INBOX');
    }
    this.createParents(target.account, name);
    this.createSubscribedFolder(target.account, name, null);
    created.add(target.account);
    return this.sql.mailboxByName.get(target.account, name);
  }

  private applyDelivery(job: DeliveryJob): DeliveryOutcome {
    // Only the recipients' usage changes: other accounts' cached answers stay good.
    for (const { target } of job.targets) this.usage.delete(target.account);
    const blob = this.storeBody(job.message);
    const appended: Appended[] = [];
    const created = new Set<AccountId>();
    for (const { target, flags } of job.targets) {
      let mailbox = this.deliveryMailbox(target, created);
      if (mailbox === undefined) {
        // INBOX cannot be deleted, so without one this is an account no client has opened yet:
        // it gets all default folders. Otherwise its owner deleted Junk: only that comes back.
        if (this.sql.mailboxByName.get(target.account, 'INBOX') === undefined) this.createDefaultFolders(target.account);
        else this.createSubscribedFolder(target.account, 'Junk', '\\Junk');
        mailbox = this.deliveryMailbox(target, created)!;
      }
      appended.push(this.insertMessage(mailbox.id, blob, job.message, flags));
    }
    job.inTransaction?.();
    if (job.diligence) this.diligenceMemory.write(job.diligence);
    const delivered = appended.map(({ account, mailbox, uid }) => ({ account, mailbox, uid }));
    return { result: { blobId: job.message.sha256, delivered }, appended, created: [...created] };
  }

  private insertMessage(mailbox: number, blob: number, message: PreparedMessage, flags: StoredFlags = message.flags): Appended {
    const slot = this.sql.allocateUids.get({ count: 1, id: mailbox })!;
    this.sql.insertMessage.run(
      mailbox,
      slot.first,
      slot.modseq,
      flags.system,
      flags.keywords,
      message.internalDate,
      message.size,
      blob,
    );
    return { account: slot.account as AccountId, mailbox: mailbox as MailboxId, uid: asUid(slot.first), modSeq: asModSeq(slot.modseq) };
  }

  /** COPY: new UIDs in source UID order, one MODSEQ, flags kept, \Recent set (RFC 3501 §6.4.7). */
  private copyRows(source: MailboxId, uids: readonly Uid[], destination: MailboxId): { result: CopyResult; appended: Appended[] } {
    this.requireMailbox(source);
    const target = this.requireMailbox(destination);
    const rows = this.sql.messagesByUid.all(source, uidList(uids));
    if (rows.length === 0) return { result: { uidValidity: target.uidvalidity, mapping: [] }, appended: [] };
    const slot = this.sql.allocateUids.get({ count: rows.length, id: destination })!;
    const mapping: Array<readonly [Uid, Uid]> = [];
    const appended: Appended[] = [];
    rows.forEach((row, index) => {
      const uid = asUid(slot.first + index);
      this.sql.insertMessage.run(destination, uid, slot.modseq, row.system, row.keywords, row.internal_date, row.size, row.blob);
      mapping.push([row.uid as Uid, uid]);
      appended.push({ account: target.account as AccountId, mailbox: destination, uid, modSeq: asModSeq(slot.modseq) });
    });
    return { result: { uidValidity: target.uidvalidity, mapping }, appended };
  }

  /** Removes rows and remembers them for VANISHED (RFC 7162 §3.2.10), all under one new MODSEQ. */
  private removeMessages(mailbox: MailboxId, uids: readonly Uid[]): Extract<MailboxChange, { kind: 'expunge' }> | null {
    if (uids.length === 0) return null;
    const modSeq = this.sql.bumpModSeq.get(mailbox)!;
    for (const uid of uids) this.sql.deleteMessage.run(mailbox, uid);
    this.expunged.record(mailbox, uids, modSeq);
    const account = this.requireMailbox(mailbox).account as AccountId;
    return { kind: 'expunge', account, mailbox, uids: [...uids].sort((a, b) => a - b), modSeq: asModSeq(modSeq) };
  }

  /**
   * RFC 3501 §6.3.5: renaming INBOX moves all its messages to a new mailbox of that name and
   * leaves INBOX empty; INBOX's inferiors are not renamed.
   */
  private renameInbox(inbox: MailboxRow, target: string): MailboxChange[] {
    const account = inbox.account as AccountId;
    this.createParents(account, target);
    const created = this.insertMailbox(account, target, null);
    const uids = this.sql.allUids.all(inbox.id) as Uid[];
    const { appended } = this.copyRows(inbox.id as MailboxId, uids, created.id as MailboxId);
    const expunged = this.removeMessages(inbox.id as MailboxId, uids);
    return expunged === null ? [] : [expunged, ...appendChanges(appended)];
  }

  private emitAppends(appended: readonly Appended[]): void {
    for (const change of appendChanges(appended)) this.events.emit('change', change);
  }
}
