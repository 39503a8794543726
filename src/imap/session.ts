/**
 * One IMAP connection: the RFC 3501 §3 state machine (not-authenticated → authenticated →
 * selected → logout), the command loop, and delivery of unsolicited updates.
 *
 * For commands:
 *   session.ctx / session.log / session.out (ResponseWriter)
 *   session.state, session.identity, session.account (throws when not logged in)
 *   session.selected: SelectedMailbox | null;  session.requireSelected()
 *   session.condstore / session.qresync / session.utf8 / session.imap4rev2 (ENABLEd extensions)
 *   session.hidesCapability(name) (`[imap] hide_capabilities`)
 *   session.argOptions (for a nested ArgReader), session.wireName(name) (mailbox name to send),
 *   session.mailboxName(mailboxInfo) (the same for a store mailbox, shared namespace included)
 *   session.select(mailbox) / session.deselect()
 *   session.compressed / session.startCompression() (RFC 4978, after COMPRESS's tagged OK)
 *   session.unauthenticate() (RFC 8437)
 *   session.readLine() (AUTHENTICATE responses, IDLE's DONE)
 *   session.searches (SEARCH, SORT, THREAD: on a worker thread for a large mailbox)
 *   session.watch(watcher | null) (RFC 5465 NOTIFY SET / NONE), session.notify
 *
 * Invariants:
 *   - one command at a time: the loop pulls the next command only after the previous tagged
 *     response was written, so pipelined input waits in the reader and a `+` continuation is never
 *     written in the middle of another command's responses;
 *   - store changes are only recorded (SelectedMailbox.noteChange) when they arrive and announced
 *     before a tagged response or at once in IDLE, never EXPUNGE during FETCH/STORE/SEARCH;
 *   - after NOTIFY SET (RFC 5465 §4) what the client asked for also goes out between commands, by
 *     one chain of pushes (`pushing`): the loop starts a command only once the chain is done, and
 *     no push starts while a command runs (except in IDLE), so responses never interleave;
 *   - passwords and literals are never logged: the command log line has the name and outcome only;
 *   - the autologout timer (RFC 3501 §5.4) runs from the last complete command, the end of the last
 *     command's response, or the client taking more of a long response (socket 'drain'): a client
 *     trickling bytes without ever completing a command is logged out, one reading a large FETCH
 *     slowly is not; it stops while a command waits on the server's own work (`whileServerWorks`:
 *     a queued password check, a throttle's delay);
 *   - an APPEND literal's memory reservation (`[limits] memory_ceiling`) is released, and its spool
 *     file removed, when the command is over, whatever its outcome.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import type { Identity } from '../directory/index.js';
import type { AccountId, MailboxChange, MailboxInfo } from '../store/index.js';
import { appendLimit, capabilityList } from './capabilities.js';
import { hiddenCapabilities, isHidden, type CapabilityAudience } from './capability-hiding.js';
import type { CommandSpec, Completion, SessionState } from './command-spec.js';
import { startCompression, type DeflateSink } from './compress.js';
import { ImapError, fromStoreError, spoolFailureText } from './errors.js';
import { encodeMutf7 } from './mutf7.js';
import { ArgReader, CommandReader, MAX_ARGUMENT_LITERAL, MAX_COMMAND, removeSpooled, type ArgOptions, type SpooledLiterals } from './parser.js';
import { writeFetchResponses } from './fetch/respond.js';
import type { NotifyWatcher } from './notify/watcher.js';
import { ResponseWriter, astring, utf8Quoted, type ImapValue } from './responses.js';
import type { RunSearch } from './search/live-searches.js';
import type { SearchRunner } from './search/search-runner.js';
import type { SelectedMailbox } from './selected.js';
import { accessWithdrawn, wireNameOf } from './namespaces.js';
import { isOwnChange } from './seen-view.js';
import { acknowledgeUnansweredReads, inheritProxiedPeer, isLoopbackClient } from '../tcp/index.js';

export type { SessionState } from './command-spec.js';

/** RFC 3501 §5.4: an autologout timer of at least 30 minutes of client inactivity (before login: `imap.login_timeout`). */
const IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * RFC 5465 §5.8: unread response octets past which notifications wait for the client to read
 * (they pile up in the watcher, which overflows past its bound).
 */
const NOTIFY_BACKLOG = 256 * 1024;

/** What the session needs from the listener that accepted it (server.ts). */
export interface SessionHost {
  readonly secureContext: SecureContext;
  /** The command table by state (commands/index.ts). */
  readonly commands: ReadonlyMap<string, CommandSpec<Session>>;
  /** Counts the login against the per-user limit; false when the person has too many connections. */
  registerLogin(session: Session): boolean;
  /** The login no longer counts against the per-user limit (RFC 8437 UNAUTHENTICATE). */
  unregisterLogin(session: Session): void;
  unregister(session: Session): void;
  /** Runs SEARCH, SORT and THREAD, on a worker thread for a large mailbox (search/search-runner.ts). */
  readonly searches: SearchRunner;
}

export type Extension = 'CONDSTORE' | 'QRESYNC' | 'UTF8=ACCEPT' | 'IMAP4rev2';

export class Session {
  state: SessionState = 'not-authenticated';
  identity: Identity | null = null;
  selected: SelectedMailbox | null = null;
  /** RFC 2971 ID of the client, for the audit log. */
  clientId: string | undefined;
  readonly enabled = new Set<Extension>();
  /** RFC 5465: what NOTIFY SET asked for; null before it, after NOTIFY NONE or an overflow. */
  notify: NotifyWatcher | null = null;
  readonly out: ResponseWriter;
  log: Logger;
  private socket: Socket;
  private readonly reader: CommandReader;
  private idleListener: (() => void) | null = null;
  /** The flush of unsolicited updates in progress (flushUpdates), so that the next waits for it. */
  private flushing: Promise<void> = Promise.resolve();
  /** RFC 4978: set once COMPRESS DEFLATE is active. */
  private deflate: DeflateSink | null = null;
  private inactivity: NodeJS.Timeout | null = null;
  private closed = false;
  /** A command is running (from its frame to its tagged response). */
  private busy = false;
  /** Another process changed the store while a command ran: NOTIFY's re-read waits for its end (onStoreChange). */
  private externalAfterCommand = false;
  /** The chain of notification pushes in progress (RFC 5465 §4), null when idle. */
  private pushing: Promise<void> | null = null;
  private pushQueued = false;

  constructor(
    readonly ctx: AppContext,
    socket: Socket,
    readonly cid: string,
    public secure: boolean,
    private readonly host: SessionHost,
  ) {
    this.socket = socket;
    this.out = new ResponseWriter(socket);
    this.reader = new CommandReader(socket, () => this.out.continuation('Ready for literal data'));
    this.log = ctx.logger.child({ cid, proto: 'imap' });
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('drain', () => this.onDrain());
    // A synchronising literal's data is not answered until its command ends: acknowledged at once,
    // or a Nagle client's closing CRLF waits for our delayed ACK (docs/tcp-delayed-ack.md).
    acknowledgeUnansweredReads(socket);
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  get loopbackClient(): boolean {
    return isLoopbackClient(this.socket);
  }

  get account(): AccountId {
    if (!this.identity) throw new ImapError('BAD', null, 'not logged in');
    return this.identity.account;
  }

  get condstore(): boolean {
    return this.enabled.has('CONDSTORE');
  }

  /**
   * RFC 7162 §3.1: a CONDSTORE-enabling command (FETCH MODSEQ or CHANGEDSINCE, STORE
   * UNCHANGEDSINCE, SEARCH MODSEQ, …) makes the session CONDSTORE-aware; the first one issued with a
   * mailbox selected also reports that mailbox's HIGHESTMODSEQ.
   */
  enableCondstore(): void {
    if (this.enabled.has('CONDSTORE')) return;
    this.enabled.add('CONDSTORE');
    if (this.selected) this.out.untagged(`OK [HIGHESTMODSEQ ${this.selected.highestModSeq}] Highest mod-sequence`);
  }

  /** RFC 7162 §3.2.3: after ENABLE QRESYNC, expunges are announced as VANISHED. */
  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  /** RFC 9051 §5.1: an IMAP4rev2 session names mailboxes in UTF-8, as after ENABLE UTF8=ACCEPT. */
  get utf8(): boolean {
    return this.enabled.has('UTF8=ACCEPT') || this.imap4rev2;
  }

  /** RFC 9051 §6.3.1: after ENABLE IMAP4rev2 the session follows RFC 9051 where it differs from RFC 3501 (Appendix E). */
  get imap4rev2(): boolean {
    return this.enabled.has('IMAP4rev2');
  }

  /** `[imap] hide_capabilities` withholds this capability from this session. */
  hidesCapability(name: string): boolean {
    return isHidden(hiddenCapabilities(this.ctx.config, this.capabilityAudience()), name);
  }

  get argOptions(): ArgOptions {
    return { utf8: this.utf8, savedResult: (as) => this.selected?.savedResult(as) ?? [], forgetSavedResult: () => this.selected?.saveResult([]) };
  }

  capabilities(): string[] {
    return capabilityList(this.ctx.config, { authenticated: this.identity !== null, secure: this.secure, loopbackClient: this.loopbackClient, ...this.capabilityAudience() });
  }

  private capabilityAudience(): CapabilityAudience {
    const login = this.identity ? { person: this.identity.person, account: this.identity.account } : null;
    return { login, clientId: this.clientId };
  }

  get searches(): SearchRunner {
    return this.host.searches;
  }

  requireSelected(): SelectedMailbox {
    if (!this.selected) throw new ImapError('BAD', null, 'no mailbox selected');
    return this.selected;
  }

  /** A mailbox name as sent to this client: modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT. */
  wireName(name: string): ImapValue {
    return this.utf8 ? utf8Quoted(name) : astring(encodeMutf7(name));
  }

  /** What the client calls a store mailbox: its own name, or its name in the shared namespace. */
  mailboxName(mailbox: MailboxInfo): ImapValue {
    return this.wireName(wireNameOf(this, mailbox));
  }

  select(mailbox: SelectedMailbox): void {
    this.selected = mailbox;
    this.state = 'selected';
  }

  deselect(): void {
    this.selected = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }

  /** After LOGIN/AUTHENTICATE succeeded. False when the per-user connection limit is reached. */
  authenticated(identity: Identity): boolean {
    this.identity = identity;
    if (!this.host.registerLogin(this)) {
      this.identity = null;
      return false;
    }
    this.state = 'authenticated';
    this.touch(); // from now on the 30-minute autologout applies
    this.log = this.log.child({ user: identity.person === identity.account ? identity.person : `${identity.account}*${identity.person}` });
    return true;
  }

  /**
   * RFC 8437 §3 UNAUTHENTICATE: back to the not-authenticated state as if newly connected, the
   * mailbox closed without expunge and ENABLEd extensions off; TLS and COMPRESS stay.
   */
  unauthenticate(): void {
    this.deselect();
    this.notify = null;
    this.host.unregisterLogin(this);
    this.identity = null;
    this.enabled.clear();
    this.state = 'not-authenticated';
    this.log = this.ctx.logger.child({ cid: this.cid, proto: 'imap' });
    this.touch(); // the shorter pre-login timeout applies again
  }

  /** One line from the client outside the command grammar; null when it has gone. */
  async readLine(): Promise<Buffer | null> {
    const line = await this.reader.nextLine();
    this.touch();
    return line;
  }

  /** RFC 3501 §6.2.1: TLS starts right after the tagged OK; buffered plaintext is dropped. */
  async startTls(): Promise<void> {
    const tlsSocket = new TLSSocket(this.socket, { isServer: true, secureContext: this.host.secureContext });
    inheritProxiedPeer(tlsSocket);
    this.reader.attach(tlsSocket);
    this.out.replaceSink(tlsSocket);
    this.socket = tlsSocket;
    tlsSocket.on('error', (err) => {
      this.log.debug({ err: err.message }, 'TLS error');
      this.close();
    });
    tlsSocket.on('drain', () => this.onDrain());
    acknowledgeUnansweredReads(tlsSocket);
    await new Promise<void>((resolve) => {
      tlsSocket.once('secure', resolve);
      tlsSocket.once('close', resolve);
    });
    this.secure = true;
  }

  get compressed(): boolean {
    return this.deflate !== null;
  }

  /** RFC 4978 §3: DEFLATE in both directions from right after the tagged OK. */
  startCompression(): void {
    const { input, output } = startCompression(this.socket);
    this.reader.attach(input);
    this.out.replaceSink(output);
    this.deflate = output;
  }

  /** Serves the connection until LOGOUT, disconnect or autologout. */
  async run(): Promise<void> {
    this.touch();
    this.out.untagged(`OK [CAPABILITY ${this.capabilities().join(' ')}] ${this.ctx.config.server.hostname} IMAP ready`);
    try {
      while (this.state !== 'logout' && !this.closed) {
        // Before login nobody may make us buffer a message-sized literal.
        const frame = await this.reader.next({
          appendLimit: this.identity ? appendLimit(this.ctx.config) : MAX_ARGUMENT_LITERAL,
          appendTotal: this.identity ? this.ctx.memory.ceiling : MAX_COMMAND,
          reserve: (bytes) => this.ctx.memory.reserve(bytes),
          spoolThreshold: this.ctx.spool.threshold,
          spoolFile: () => this.ctx.spool.create(),
        });
        if (frame.kind === 'end') {
          if (frame.flood) this.out.untagged('BYE Too much input for one command');
          break;
        }
        this.touch();
        if (frame.kind === 'too-long') {
          this.answerUntaggable(frame.tag, 'BAD', null, 'Command line too long');
          continue;
        }
        if (frame.kind === 'too-big') {
          // RFC 7889 §4: refused before the data was sent; the client is back in sync.
          this.answerUntaggable(frame.tag, frame.append ? 'NO' : 'BAD', 'TOOBIG', `Literal of ${frame.size} octets is over the limit of ${frame.limit}`);
          continue;
        }
        if (frame.kind === 'too-many') {
          // RFC 5530 §3 LIMIT: an implementation limit; the client can send the rest in further APPENDs.
          this.answerUntaggable(frame.tag, 'NO', 'LIMIT', `More than ${frame.limit} messages in one APPEND; nothing was stored`);
          continue;
        }
        if (frame.kind === 'in-use') {
          // RFC 5530 §3 INUSE: a temporary refusal, worth retrying; DESIGN.md "Config" [limits] memory_ceiling.
          this.answerUntaggable(frame.tag, 'NO', 'INUSE', 'The server is receiving too many messages at once; try again shortly');
          continue;
        }
        if (frame.kind === 'unstorable') {
          // docs/architecture.md invariant 7: a full disk refuses with NO [LIMIT], and nothing was kept.
          this.log.warn({ err: frame.error }, 'APPEND literal could not be spooled');
          this.answerUntaggable(frame.tag, 'NO', 'LIMIT', spoolFailureText(frame.error));
          continue;
        }
        while (this.pushing) await this.pushing;
        this.busy = true;
        try {
          await this.execute(frame.raw, frame.spooled);
        } finally {
          this.busy = false;
          frame.reservation?.release();
          await removeSpooled(frame.spooled);
        }
        if (this.externalAfterCommand) {
          this.externalAfterCommand = false;
          this.noteForWatcher({ kind: 'external' });
        }
        await this.out.drained();
        this.touch();
        if (this.notify?.hasPending) this.requestPush();
      }
    } finally {
      this.close();
    }
  }

  /** A store change, for a session with a mailbox selected or NOTIFY set (server.ts routes them). */
  onStoreChange(change: MailboxChange): void {
    const selected = this.selected;
    const forSelected = selected !== null && (change.kind === 'external' || ('mailbox' in change && change.mailbox === selected.info.id));
    if (forSelected) selected.noteChange(change);
    if (this.notify) {
      // RFC 5465 §5: what the session's own command did is not echoed. An 'external' change makes
      // the watcher re-read every mailbox name; during one of our commands (IDLE aside) that read
      // could see the command's own CREATE or RENAME before its own change is noted, and announce
      // it as another's: it waits for the command's end.
      if (change.kind === 'external' && this.busy && !this.idleListener) this.externalAfterCommand = true;
      else this.noteForWatcher(change);
    } else if (forSelected && this.idleListener) this.idleListener();
  }

  private noteForWatcher(change: MailboxChange): void {
    const watcher = this.notify;
    if (!watcher) return;
    // Own or not is read now: by the time the watcher's reads answer, another call may be running.
    watcher.note(change, isOwnChange(this.ctx.store)).then(
      () => {
        if (this.notify === watcher && watcher.hasPending) this.requestPush();
      },
      (err: unknown) => this.log.error({ err }, 'NOTIFY could not read the store'),
    );
  }

  /** RFC 5465 NOTIFY SET (a watcher) or NOTIFY NONE (null). */
  watch(watcher: NotifyWatcher | null): void {
    this.notify = watcher;
  }

  /** IDLE (RFC 2177) announces changes at once; under NOTIFY, exactly the events asked for (RFC 5465 §4). */
  announceInIdle(): void {
    if (this.notify) this.requestPush();
    else this.flushUpdates(true).catch((err: unknown) => this.log.error({ err }, 'unsolicited updates failed during IDLE'));
  }

  /** A notification is being written (RFC 5465 §4). */
  get notificationsPending(): boolean {
    return this.pushing !== null;
  }

  /** Resolves when no notification is being written (IDLE waits for it before its tagged OK). */
  async notificationsWritten(): Promise<void> {
    while (this.pushing) await this.pushing;
  }

  /**
   * Directory 'changed' for this session's person, account or selected mailbox's owner: re-check
   * the login, and the rights on a unit's mailbox it has open (docs/architecture.md "Unit mailboxes": a revocation ends it).
   */
  onDirectoryChange(): void {
    if (!this.identity) return;
    const identity = this.ctx.directory.revalidate(this.identity);
    if (identity) this.identity = identity;
    const reason = identity ? accessWithdrawn(this) : 'Your login is no longer valid';
    if (reason) this.endBecause(reason);
  }

  private endBecause(reason: string): void {
    this.log.info({ reason }, 'session ended by a directory change');
    this.out.untagged(`BYE ${reason}`);
    this.close();
  }

  /** RFC 3501 §7.1.5: ends the connection after an untagged BYE the caller has written. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'logout';
    if (this.inactivity) clearTimeout(this.inactivity);
    this.host.unregister(this);
    if (this.deflate) this.deflate.end();
    else this.socket.end();
    // A client that does not read must not keep the socket open forever.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  /**
   * Writes the unsolicited updates the selected mailbox has pending (RFC 3501 §5.2, §7.4.1), then
   * those of its live searches (RFC 5267 §4.3), which may have to search again. Called before every
   * tagged response and, in IDLE, whenever a change arrives; one flush at a time, in call order, so
   * that the sequence numbers a live search reports are those of the map it ran on.
   */
  flushUpdates(expungeAllowed: boolean): Promise<void> {
    const flush = this.flushing.then(() => this.writeUpdates(expungeAllowed));
    this.flushing = flush.catch(() => undefined);
    return flush;
  }

  private async writeUpdates(expungeAllowed: boolean): Promise<void> {
    const selected = this.selected;
    if (!selected) return;
    const lines = expungeAllowed ? selected.liveSearches.removeExpunged(selected) : [];
    lines.push(...await selected.collectUpdates(this.ctx.store, { expungeAllowed, condstore: this.condstore, qresync: this.qresync }));
    for (const line of lines) this.out.untagged(...line);
    if (!selected.liveSearches.needsRefresh) return;
    const run: RunSearch = (key, order) => this.searches.searchSelected(this.ctx.store, selected, key, order);
    const updates = await selected.liveSearches.refresh(run, selected);
    if (this.selected !== selected || this.closed) return;
    for (const line of updates) this.out.untagged(...line);
  }

  /**
   * RFC 5465 §4: notifications go out as they happen while no command runs, or in IDLE; one push
   * at a time, chained, so that their responses never interleave.
   */
  private requestPush(): void {
    // One push waiting behind the one being written is enough: it sends whatever is pending then,
    // so a client that does not read costs no more than that.
    if (this.closed || (this.busy && !this.idleListener) || this.pushQueued) return;
    this.pushQueued = true;
    const next = (this.pushing ?? Promise.resolve())
      .then(() => {
        this.pushQueued = false;
        return this.pushNotifications();
      })
      .catch((err: unknown) => this.log.error({ err }, 'notification failed'));
    this.pushing = next;
    void next.then(() => {
      if (this.pushing === next) this.pushing = null;
    });
  }

  private async pushNotifications(): Promise<void> {
    const watcher = this.notify;
    if (!watcher || this.closed || this.out.unsent > NOTIFY_BACKLOG) return;
    const wanted = watcher.request.selected;
    // RFC 5465 §6.1.2 SELECTED-DELAYED: EXPUNGE only where RFC 3501 §7.4.1 allows it (IDLE does).
    if (watcher.takeSelectedDue() && this.selected && wanted) await this.announceSelected(!wanted.delayed || this.idleListener !== null);
    await this.writeNotifications();
  }

  /**
   * The selected mailbox's pending updates, and after NOTIFY SET with `MessageNew (fetch-att …)`,
   * a FETCH of those attributes for each new message (RFC 5465 §5.2). The FETCH never sets \Seen:
   * a notification does not read the message for the user.
   */
  private async announceSelected(expungeAllowed: boolean): Promise<void> {
    const selected = this.selected;
    if (!selected) return;
    const lastKnown = selected.uidAt(selected.exists) ?? 0;
    await this.flushUpdates(expungeAllowed);
    const fetch = this.notify?.request.selected?.fetch;
    if (!fetch) return;
    let first = selected.exists + 1;
    while (first > 1 && selected.uidAt(first - 1)! > lastKnown) first--;
    if (first > selected.exists) return;
    const seqs = Array.from({ length: selected.exists - first + 1 }, (_, i) => first + i);
    const target = { store: this.ctx.store, selected, out: this.out, condstore: this.condstore, markSeen: false, uidCommand: true, abort: () => this.close() };
    await writeFetchResponses(target, seqs, fetch);
  }

  /** The watcher's waiting LIST and STATUS responses; §5.8 overflow ends NOTIFY, said once. */
  private async writeNotifications(): Promise<void> {
    const watcher = this.notify;
    if (!watcher) return;
    if (watcher.overflowed) {
      this.notify = null;
      this.out.untagged('OK [NOTIFICATIONOVERFLOW] Too many changes at once; notifications are off, please resynchronise');
      return;
    }
    for (const line of await watcher.drain()) this.out.untagged(...line);
  }

  /** Before a tagged response: the selected mailbox's updates (RFC 3501 §7.4.1), then NOTIFY's. */
  private async announce(expungeAllowed: boolean): Promise<void> {
    if (this.notify?.takeSelectedDue() || this.notify?.request.selected?.fetch) await this.announceSelected(expungeAllowed);
    else await this.flushUpdates(expungeAllowed);
    await this.writeNotifications();
  }

  private onDrain(): void {
    this.touch();
    if (this.notify?.hasPending) this.requestPush();
  }

  /**
   * While IDLE (RFC 2177) waits for DONE, `wake` runs whenever a store change arrived, and once
   * more when the session closes. Returns a function that stops listening.
   */
  onWake(wake: () => void): () => void {
    this.idleListener = wake;
    return () => {
      if (this.idleListener === wake) this.idleListener = null;
    };
  }

  /**
   * Waits for work of the server's own (a password check queued behind others, a throttle's
   * delay) with the autologout timer stopped: RFC 3501 §5.4 counts the client's inactivity, and
   * a client waiting for our answer is not inactive. The wait itself is bounded by its owner
   * (`policy.login_queue_timeout`, the throttle's longest delay).
   */
  async whileServerWorks<T>(work: Promise<T>): Promise<T> {
    if (this.inactivity) clearTimeout(this.inactivity);
    this.inactivity = null;
    try {
      return await work;
    } finally {
      this.touch();
    }
  }

  /** Restarts the autologout timer (its length depends on whether we know who it is). */
  private touch(): void {
    if (this.inactivity) clearTimeout(this.inactivity);
    if (this.closed) return;
    this.inactivity = setTimeout(() => {
      this.log.debug('autologout');
      this.out.untagged('BYE Autologout; idle for too long');
      this.close();
    }, this.identity ? IDLE_TIMEOUT_MS : this.ctx.config.imap.login_timeout).unref();
  }

  private answerUntaggable(tag: string | null, status: 'NO' | 'BAD', code: string | null, text: string): void {
    if (tag) this.out.tagged(tag, status, code, text);
    else this.out.untagged(`BAD ${code ? `[${code}] ` : ''}${text}`);
  }

  private async execute(raw: Buffer, spooled: SpooledLiterals): Promise<void> {
    const started = performance.now();
    const args = new ArgReader(raw, this.argOptions, 0, spooled);
    let tag: string;
    let name: string;
    try {
      // RFC 3501 §9: tag = 1*<any ASTRING-CHAR except "+">
      tag = args.readWhile((b) => b > 0x20 && b < 0x7f && !'(){%*"\\+'.includes(String.fromCharCode(b)), 'a tag');
      args.space();
      name = args.keyword();
    } catch {
      this.out.untagged('BAD Expected a tag and a command name');
      return;
    }
    // docs/architecture.md "Unit mailboxes": rights are read at every command, so a revocation another process made (noticed by
    // polling, within a second) still ends the session at its next command, not one later.
    const withdrawn = this.identity ? accessWithdrawn(this) : null;
    if (withdrawn) {
      this.endBecause(withdrawn);
      return;
    }
    let spec: CommandSpec<Session> | undefined;
    let completion: Completion | null = null;
    try {
      if (name === 'UID') {
        args.space();
        name = `UID ${args.keyword()}`;
      }
      spec = this.host.commands.get(name);
      if (!spec) throw new ImapError('BAD', null, `Unknown command ${name.slice(0, 40)}`);
      if (!spec.states.has(this.state)) throw new ImapError('BAD', null, `${name} is not valid in the ${this.state} state`);
      completion = await spec.run(this, { tag, name, uid: name.startsWith('UID '), args });
    } catch (err) {
      const failure = this.asImapError(err, name);
      await this.announceLogged(spec?.expungeAllowed ?? true, name);
      this.out.tagged(tag, failure.status, failure.code, failure.message);
      this.log.debug({ cmd: name, ms: Math.round(performance.now() - started), result: failure.status }, 'command');
      return;
    }
    await this.announceLogged(spec.expungeAllowed ?? true, name);
    this.out.tagged(tag, 'OK', completion.code ?? null, completion.text);
    this.log.debug({ cmd: name, ms: Math.round(performance.now() - started), result: 'OK' }, 'command');
    if (completion.after) await completion.after();
  }

  /** Before a tagged response: a live search that fails unexpectedly must not cost the command its answer. */
  private async announceLogged(expungeAllowed: boolean, name: string): Promise<void> {
    try {
      await this.announce(expungeAllowed);
    } catch (err) {
      this.log.error({ err, cmd: name }, 'unsolicited updates failed');
    }
  }

  private asImapError(err: unknown, name: string): ImapError {
    try {
      return fromStoreError(err);
    } catch {
      this.log.error({ err, cmd: name }, 'command failed');
      return new ImapError('NO', 'SERVERBUG', 'Internal error; the failure was logged');
    }
  }
}
