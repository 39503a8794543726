/**
 * docs/architecture.md "Unit mailboxes", seen mode 'private': in such a unit's mailboxes each delegate (and the head)
 * has their own \Seen. One ReaderView wraps the store for one IMAP session: rows of those
 * mailboxes come back with the reader's own \Seen in place of the team's, and \Seen changes go to
 * the reader's record (MailStore.setPrivateSeen); everything else passes through untouched, so
 * SELECT, FETCH, STORE, SEARCH, STATUS and the unsolicited updates need no code of their own.
 * A private change gets a MODSEQ and a store change like any flag change (setPrivateSeen), so the
 * reader's other sessions hear of it; other readers' sessions re-read the row and see their own
 * \Seen, unchanged.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Readable } from 'node:stream';
import type { AppContext } from '../context.js';
import type { Identity } from '../directory/index.js';
import type { MailStore } from '../store/index.js';
import type {
  AccountId,
  AppendMessage,
  AppendResult,
  BlobId,
  CopyResult,
  DeliveryOptions,
  DeliveryResult,
  DeliveryTarget,
  Flag,
  FlagOperation,
  MailboxCounts,
  MailboxId,
  MailboxInfo,
  MessageBytes,
  MessageMeta,
  MessageRow,
  ModSeq,
  SpecialUse,
  StoreFlagsResult,
  TextField,
  Uid,
} from '../store/index.js';
import { seenModeOf, type NamespaceSession } from './namespaces.js';
import { SEEN, isSeen, rowsSeenBy } from './seen-rows.js';


/** Who reads `mailbox` with a private \Seen in this session, or null when \Seen is the team's. */
export type ReaderOf = (mailbox: MailboxId) => Promise<AccountId | null>;

/**
 * The reader function of a session: the logged-in person, for mailboxes of a unit (not their
 * own) whose seen mode is 'private', read from the directory at each call so `unit set-seen`
 * applies to open sessions.
 */
export function sessionReader(ctx: NamespaceSession['ctx'], identity: () => Identity | null): ReaderOf {
  const owners = new Map<MailboxId, AccountId | null>();
  const session: NamespaceSession = {
    ctx,
    get identity() {
      return identity();
    },
  };
  return async (mailbox) => {
    const who = identity();
    if (!who) return null;
    let owner = owners.get(mailbox);
    if (owner === undefined) {
      // A mailbox never changes owner: one lookup per mailbox and session.
      owner = (await ctx.store.getMailboxById(mailbox))?.account ?? null;
      owners.set(mailbox, owner);
    }
    return owner !== null && seenModeOf(session, owner) === 'private' ? who.person : null;
  };
}

/**
 * The view whose store call a piece of asynchronous work belongs to, for a store that emits its
 * changes after awaiting its database (MailStore.changesEmitted 'after-await'): the origin of a
 * change then survives the awaits between the call and the emit.
 */
const callingView = new AsyncLocalStorage<ReaderView>();

export class ReaderView implements MailStore {
  private readonly inner: MailStore;
  /** True while one of this view's calls into the store runs its synchronous part (isOwnChange). */
  private calling = false;

  constructor(
    store: MailStore,
    /** Who reads a mailbox with a private \Seen in this session (the search workers need it too). */
    readonly readerOf: ReaderOf,
  ) {
    this.inner = new Proxy(store, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        const call = value as (...a: unknown[]) => unknown;
        if (target.changesEmitted === 'after-await') return (...args: unknown[]): unknown => callingView.run(this, () => call.apply(target, args));
        return (...args: unknown[]): unknown => {
          this.calling = true;
          try {
            return call.apply(target, args);
          } finally {
            this.calling = false;
          }
        };
      },
    });
  }

  /**
   * Whether a store change being emitted now is this view's own. The SQLite store ('in-call')
   * emits a change synchronously inside the call that made it (after its COMMIT), so a change that
   * arrives while one of this view's calls runs is the session's own, and one that arrives while
   * the session awaits is somebody else's; a flag costs nothing there, where an asynchronous
   * context would also be inherited by the group commit's setImmediate (src/store/group-commit.ts)
   * and so claim the other deliveries of a batch. The PostgreSQL store ('after-await') emits after
   * awaiting its COMMIT, when the flag is long cleared: the change is the view's own when it is
   * emitted in the asynchronous continuation of one of its calls (callingView). Another node's
   * change is emitted from the LISTEN connection, outside every session's call.
   */
  get ownCallRunning(): boolean {
    return this.calling || callingView.getStore() === this;
  }

  get events(): MailStore['events'] {
    return this.inner.events;
  }

  get changesEmitted(): MailStore['changesEmitted'] {
    return this.inner.changesEmitted;
  }

  async listMessages(mailbox: MailboxId, options?: { changedSince?: ModSeq }): Promise<MessageRow[]> {
    const rows = await this.inner.listMessages(mailbox, options);
    const reader = await this.readerOf(mailbox);
    return reader === null ? rows : rowsSeenBy(rows, await this.inner.privateSeen(mailbox, reader));
  }

  async getMessages(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageRow[]> {
    const rows = await this.inner.getMessages(mailbox, uids);
    const reader = await this.readerOf(mailbox);
    return reader === null ? rows : rowsSeenBy(rows, await this.inner.privateSeen(mailbox, reader));
  }

  async mailboxCounts(id: MailboxId): Promise<MailboxCounts> {
    const counts = await this.inner.mailboxCounts(id);
    const reader = await this.readerOf(id);
    if (reader === null) return counts;
    const seen = await this.inner.privateSeen(id, reader);
    return { ...counts, unseen: (await this.inner.listMessages(id)).filter((row) => !seen.has(row.uid)).length };
  }

  async storeFlags(mailbox: MailboxId, uids: readonly Uid[], operation: FlagOperation, flags: readonly Flag[], unchangedSince?: ModSeq): Promise<StoreFlagsResult> {
    const reader = await this.readerOf(mailbox);
    if (reader === null) return this.inner.storeFlags(mailbox, uids, operation, flags, unchangedSince);
    const seen = flags.some(isSeen);
    const others = flags.filter((flag) => !isSeen(flag));
    // The team's flags, \Seen aside; replacing them leaves the row's \Seen alone, which in this mode nobody reads.
    const shared =
      operation === 'set' || others.length > 0 ? await this.inner.storeFlags(mailbox, uids, operation, others, unchangedSince) : { updated: [], modified: [] };
    const refused = new Set(shared.modified);
    const eligible = uids.filter((uid) => !refused.has(uid));
    let changed: Uid[] = [];
    if (operation === 'set') changed = await this.inner.setPrivateSeen(mailbox, reader, eligible, seen);
    else if (seen) changed = await this.inner.setPrivateSeen(mailbox, reader, eligible, operation === 'add');
    const touched = new Set<Uid>([...shared.updated.map((row) => row.uid), ...changed]);
    const rows = await this.getMessages(mailbox, [...touched].sort((a, b) => a - b));
    return { updated: rows, modified: shared.modified };
  }

  async append(mailbox: MailboxId, raw: Buffer, options: { flags?: readonly Flag[]; internalDate?: Date } = {}): Promise<AppendResult> {
    return (await this.appendMessages(mailbox, [{ raw, ...options }]))[0]!;
  }

  async appendMessages(mailbox: MailboxId, messages: readonly AppendMessage[]): Promise<AppendResult[]> {
    const reader = await this.readerOf(mailbox);
    const seen = messages.map((message) => message.flags?.some(isSeen) ?? false);
    if (reader === null || !seen.includes(true)) return this.inner.appendMessages(mailbox, messages);
    const results = await this.inner.appendMessages(
      mailbox,
      messages.map((message) => ({ ...message, flags: (message.flags ?? []).filter((flag) => !isSeen(flag)) })),
    );
    await this.inner.setPrivateSeen(mailbox, reader, results.filter((_, i) => seen[i]).map((result) => result.uid), true);
    return results;
  }

  async copyMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult> {
    if (await this.teamSeenOnly(source, destination)) return this.inner.copyMessages(source, uids, destination);
    const seen = await this.seenIn(source, uids);
    return this.carrySeen(await this.inner.copyMessages(source, uids, destination), seen, destination);
  }

  async moveMessages(source: MailboxId, uids: readonly Uid[], destination: MailboxId): Promise<CopyResult> {
    if (await this.teamSeenOnly(source, destination)) return this.inner.moveMessages(source, uids, destination);
    // Read before the move: the private marks go with the source rows.
    const seen = await this.seenIn(source, uids);
    return this.carrySeen(await this.inner.moveMessages(source, uids, destination), seen, destination);
  }

  // --- unchanged ---------------------------------------------------------------------------------

  ensureAccount(account: AccountId): Promise<void> {
    return this.inner.ensureAccount(account);
  }
  listMailboxes(account: AccountId): Promise<MailboxInfo[]> {
    return this.inner.listMailboxes(account);
  }
  getMailbox(account: AccountId, name: string): Promise<MailboxInfo | null> {
    return this.inner.getMailbox(account, name);
  }
  getMailboxById(id: MailboxId): Promise<MailboxInfo | null> {
    return this.inner.getMailboxById(id);
  }
  largestMailbox(): Promise<MailboxInfo | null> {
    return this.inner.largestMailbox();
  }
  createMailbox(account: AccountId, name: string, specialUse?: SpecialUse | null): Promise<MailboxInfo> {
    return this.inner.createMailbox(account, name, specialUse);
  }
  deleteMailbox(account: AccountId, name: string): Promise<void> {
    return this.inner.deleteMailbox(account, name);
  }
  renameMailbox(account: AccountId, from: string, to: string): Promise<void> {
    return this.inner.renameMailbox(account, from, to);
  }
  setSubscribed(account: AccountId, name: string, subscribed: boolean): Promise<void> {
    return this.inner.setSubscribed(account, name, subscribed);
  }
  listSubscriptions(account: AccountId): Promise<string[]> {
    return this.inner.listSubscriptions(account);
  }
  accountUsage(account: AccountId): Promise<number> {
    return this.inner.accountUsage(account);
  }
  deliver(targets: readonly DeliveryTarget[], raw: MessageBytes, options?: DeliveryOptions): Promise<DeliveryResult> {
    return this.inner.deliver(targets, raw, options);
  }
  expungedSince(mailbox: MailboxId, since: ModSeq): Promise<Uid[] | null> {
    return this.inner.expungedSince(mailbox, since);
  }
  getMessageMeta(mailbox: MailboxId, uids: readonly Uid[]): Promise<MessageMeta[]> {
    return this.inner.getMessageMeta(mailbox, uids);
  }
  protocolCache(mailbox: MailboxId, uids: readonly Uid[]): Promise<Map<Uid, string>> {
    return this.inner.protocolCache(mailbox, uids);
  }
  recentProtocolCache(before: number | null, limit: number): ReturnType<MailStore['recentProtocolCache']> {
    return this.inner.recentProtocolCache(before, limit);
  }
  saveProtocolCache(entries: ReadonlyArray<{ readonly blob: BlobId; readonly text: string }>): Promise<void> {
    return this.inner.saveProtocolCache(entries);
  }
  readBlob(blob: BlobId, start?: number, end?: number): Promise<Buffer> {
    return this.inner.readBlob(blob, start, end);
  }
  streamBlob(blob: BlobId): Promise<Readable> {
    return this.inner.streamBlob(blob);
  }
  claimRecent(mailbox: MailboxId): Promise<Uid[]> {
    return this.inner.claimRecent(mailbox);
  }

  recentUids(mailbox: MailboxId): Promise<Uid[]> {
    return this.inner.recentUids(mailbox);
  }
  expunge(mailbox: MailboxId, uids?: readonly Uid[]): Promise<Uid[]> {
    return this.inner.expunge(mailbox, uids);
  }
  searchText(mailbox: MailboxId, field: TextField, query: string): Promise<Set<Uid>> {
    return this.inner.searchText(mailbox, field, query);
  }
  privateSeen(mailbox: MailboxId, reader: AccountId): Promise<Set<Uid>> {
    return this.inner.privateSeen(mailbox, reader);
  }
  setPrivateSeen(mailbox: MailboxId, reader: AccountId, uids: readonly Uid[], seen: boolean): Promise<Uid[]> {
    return this.inner.setPrivateSeen(mailbox, reader, uids, seen);
  }
  purgeUnreferencedBlobs(): Promise<number> {
    return this.inner.purgeUnreferencedBlobs();
  }
  purgeAccount(account: AccountId): Promise<number> {
    return this.inner.purgeAccount(account);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  // --- internals -----------------------------------------------------------------------------------

  /** Neither side has a private \Seen: the store copies the flags as they are. */
  private async teamSeenOnly(source: MailboxId, destination: MailboxId): Promise<boolean> {
    return (await this.readerOf(source)) === null && (await this.readerOf(destination)) === null;
  }

  /** The UIDs among `uids` this session sees as \Seen in `mailbox`. */
  private async seenIn(mailbox: MailboxId, uids: readonly Uid[]): Promise<Set<Uid>> {
    return new Set((await this.getMessages(mailbox, uids)).filter((row) => row.flags.some(isSeen)).map((row) => row.uid));
  }

  /** After COPY/MOVE: each copy is \Seen in the destination exactly when this session saw its source as \Seen. */
  private async carrySeen(result: CopyResult, seenAtSource: ReadonlySet<Uid>, destination: MailboxId): Promise<CopyResult> {
    if (result.mapping.length === 0) return result;
    const reader = await this.readerOf(destination);
    const seen = result.mapping.filter(([from]) => seenAtSource.has(from)).map(([, to]) => to);
    const unseen = result.mapping.filter(([from]) => !seenAtSource.has(from)).map(([, to]) => to);
    if (reader !== null) {
      await this.inner.setPrivateSeen(destination, reader, seen, true);
      return result;
    }
    // Into a mailbox with the team's \Seen (the person's own, or a unit in shared mode).
    if (seen.length > 0) await this.inner.storeFlags(destination, seen, 'add', [SEEN]);
    if (unseen.length > 0) await this.inner.storeFlags(destination, unseen, 'remove', [SEEN]);
    return result;
  }
}

/** The context one session works with: the store as its reader sees it. */
/** The reader of `mailbox` with a private \Seen, for a session's store (null: the team's \Seen, or not a session's view). */
export async function privateReaderOf(store: MailStore, mailbox: MailboxId): Promise<AccountId | null> {
  return store instanceof ReaderView ? store.readerOf(mailbox) : null;
}

/** RFC 5465 §5: a change the session's own store call is making (ReaderView.ownCallRunning). */
export function isOwnChange(store: MailStore): boolean {
  return store instanceof ReaderView && store.ownCallRunning;
}

export function sessionContext(ctx: AppContext, identity: () => Identity | null): AppContext {
  return { ...ctx, store: new ReaderView(ctx.store, sessionReader(ctx, identity)) };
}
