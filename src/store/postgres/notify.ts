import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { changeBusReconnects, changeEventsReceived, changeEventsSent, changeEventsUnsent } from '../../metrics.js';
import type { MailStore } from '../api.js';
import type { SieveScriptStore } from '../sieve.js';
import type { MailboxChange, MessageRow, Uid } from '../types.js';
import { openPostgresPool, type PgPool } from './database.js';
import { decodeNotice, encodeChange, type ChangeNotice } from './notify-payload.js';

/**
 * Change events between nodes sharing one PostgreSQL store (docs/postgres.en.md "Change events
 * between nodes"). Invariants:
 *
 * - Every change the local store emits (after its commit) goes out with one NOTIFY on one channel;
 *   changes are sent in the order emitted, those waiting while a NOTIFY runs together in one
 *   statement (PostgreSQL delivers one transaction's notifications in the order sent, NOTIFY §Notes).
 * - Other nodes' changes are emitted into the same `events`, so an IMAP session cannot tell them
 *   from a local delivery. They never come from inside a session's own store call, so
 *   isOwnChange (src/imap/seen-view.ts, RFC 5465 §5) is false for them, as it must be. A change
 *   re-emitted here is not published again, and this node's own notices are skipped by node id.
 * - LISTEN runs on a connection of its own, never one of the pool's (a pooled connection goes back
 *   to others and would stop listening). When it is lost the bus reconnects with capped, jittered
 *   backoff, and after LISTEN is back emits 'external': whatever was sent meanwhile is not kept by
 *   PostgreSQL, so sessions re-read what they show.
 */

/** Where the catch-up of an oversized change is read: the shared store. */
export type CatchUpReader = Pick<MailStore, 'listMessages' | 'expungedSince'>;

export interface ChangeBusOptions {
  /** The store's URL, for the LISTEN connection (`[store] postgres_url`). */
  readonly url: string;
  /** The store's pool, for NOTIFY. */
  readonly pool: PgPool;
  /** The local store's emitter (MailStore.events). */
  readonly events: MailStore['events'];
  readonly reader: CatchUpReader;
  /** Told when another node wrote an account's Sieve scripts (src/store/postgres/sieve.ts sends the notice). */
  readonly sieve?: Pick<SieveScriptStore, 'forgetActiveScript'>;
  readonly logger: Logger;
  /** Unique per process; random by default. */
  readonly nodeId?: string;
  readonly channel?: string;
  /** First reconnect delay; doubles per failed attempt up to `maxBackoffMs`, each with ±50 % jitter. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A LISTEN connection that answers no query for this long is dropped and made again (a peer gone without a FIN). */
  readonly heartbeatMs?: number;
}

export const CHANGE_CHANNEL = 'cantho_mail_changes';
const formOf = (catchUp: boolean): string => (catchUp ? 'catch-up' : 'exact');
/** Rows per catch-up read of appended messages: a bounded slice, as every walk of a large mailbox (docs/architecture.md invariant 2). */
const CATCH_UP_PAGE = 1000;

export class ChangeBus {
  readonly nodeId: string;
  private readonly channel: string;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly heartbeatMs: number;
  private listener: pg.Client | null = null;
  private attempts = 0;
  private everListened = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private relaying = false;
  private outbox: string[] = [];
  private sending: Promise<void> | null = null;
  private readonly onLocalChange = (change: MailboxChange): void => {
    if (this.relaying || this.closed) return;
    const encoded = encodeChange(this.nodeId, change);
    if (encoded === null) return;
    changeEventsSent.inc({ form: formOf(encoded.catchUp) });
    this.outbox.push(encoded.payload);
    this.sending ??= this.sendOutbox();
  };

  constructor(private readonly options: ChangeBusOptions) {
    this.nodeId = options.nodeId ?? randomBytes(9).toString('base64url');
    this.channel = options.channel ?? CHANGE_CHANNEL;
    this.minBackoffMs = options.minBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
  }

  /** Publishes local changes from now on; resolves once LISTEN runs (or keeps trying in the background after a failed first connect). */
  async start(): Promise<void> {
    this.startSending();
    await this.listen();
  }

  /** Publishes local changes from now on, and listens to none: a process that serves no session (the CLI). */
  startSending(): void {
    this.options.events.on('change', this.onLocalChange);
  }

  /** Resolves when every change emitted so far has been handed to PostgreSQL. */
  async flushed(): Promise<void> {
    while (this.sending) await this.sending;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.options.events.off('change', this.onLocalChange);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    await this.flushed();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  /**
   * True while another node's change is being emitted (listeners run synchronously inside the
   * emit): it is not sent back out, and work that only the node that made a change should do
   * (the quota warning) is left to that node.
   */
  get emittingRemoteChange(): boolean {
    return this.relaying;
  }

  /** The LISTEN connection's backend pid (for tests and logs); null while disconnected. */
  get listenerPid(): number | null {
    return (this.listener as { processID?: number } | null)?.processID ?? null;
  }

  private async sendOutbox(): Promise<void> {
    while (this.outbox.length > 0) {
      const batch = this.outbox;
      this.outbox = [];
      const calls = batch.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ');
      try {
        await this.options.pool.query(`SELECT ${calls}`, [this.channel, ...batch]);
      } catch (err) {
        // The changes are committed; other nodes' sessions see them at their next full re-read
        // (a reconnect's 'external', or the client's next SELECT). docs/postgres.en.md says so.
        changeEventsUnsent.inc(undefined, batch.length);
        this.options.logger.error({ err, changes: batch.length }, 'change events not sent to other nodes');
      }
    }
    this.sending = null;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, keepAlive: true, connectionTimeoutMillis: 10_000 });
    let lost = false;
    let connected = false;
    const onLost = (err?: Error): void => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = null;
      if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
      // pg's end() on a client whose connect failed waits for a socket that never opened.
      if (connected) client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.logger.warn({ err, node: this.nodeId }, 'change events: LISTEN connection lost, reconnecting');
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload !== undefined) this.receive(message.payload);
    });
    try {
      await client.connect();
      connected = true;
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    // Lost again between LISTEN and here: onLost has already scheduled the next attempt.
    if (lost) return;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    // Sessions may have run while no connection listened: after a loss, or a failed first connect.
    const missedSome = this.everListened || this.attempts > 0;
    this.attempts = 0;
    this.heartbeatTimer = setInterval(() => this.heartbeat(client, onLost), this.heartbeatMs);
    this.heartbeatTimer.unref();
    if (missedSome) {
      changeBusReconnects.inc();
      this.options.logger.info({ node: this.nodeId }, 'change events: listening again, sessions re-read their mailboxes');
      this.relay({ kind: 'external' });
    }
    this.everListened = true;
  }

  private heartbeat(client: pg.Client, onLost: (err?: Error) => void): void {
    const timeout = setTimeout(() => onLost(new Error('LISTEN connection did not answer')), this.heartbeatMs);
    timeout.unref();
    client.query('SELECT 1').then(
      () => clearTimeout(timeout),
      (err: Error) => {
        clearTimeout(timeout);
        onLost(err);
      },
    );
  }

  private scheduleReconnect(): void {
    const ceiling = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this.attempts);
    this.attempts += 1;
    const delay = ceiling * (0.5 + Math.random() / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.listen();
    }, delay);
    this.reconnectTimer.unref();
  }

  private receive(payload: string): void {
    const notice = decodeNotice(payload);
    if (notice === null) {
      this.options.logger.warn({ channel: this.channel }, 'change events: a notification that is not ours was ignored');
      return;
    }
    if (notice.node === this.nodeId) return;
    if ('scriptsWritten' in notice) {
      this.options.sieve?.forgetActiveScript(notice.scriptsWritten);
      return;
    }
    changeEventsReceived.inc({ form: formOf(!('change' in notice)) });
    if ('change' in notice) {
      this.relay(notice.change);
      return;
    }
    this.catchUp(notice.catchUp).then(
      (change) => this.relay(change),
      (err: unknown) => {
        this.options.logger.error({ err, mailbox: notice.catchUp.mailbox }, 'change events: catch-up read failed, sessions re-read their mailboxes');
        this.relay({ kind: 'external' });
      },
    );
  }

  private relay(change: MailboxChange): void {
    this.relaying = true;
    try {
      this.options.events.emit('change', change);
    } finally {
      this.relaying = false;
    }
  }

  /**
   * The UIDs an oversized change named, read back from the store: at most those between its lowest
   * and highest, changed at or after its MODSEQ (a later change to the same rows is included: the
   * session re-reads them anyway, and is told again when that change's own notice arrives).
   */
  private async catchUp(notice: Extract<ChangeNotice, { catchUp: unknown }>['catchUp']): Promise<MailboxChange> {
    const { kind, account, mailbox, modSeq, lowest, highest } = notice;
    const within = (uid: Uid): boolean => uid >= lowest && uid <= highest;
    const since = (modSeq - 1) as typeof modSeq;
    if (kind === 'expunge') {
      const gone = await this.options.reader.expungedSince(mailbox, since);
      // RFC 7162 §3.2.10: the kept history no longer reaches back; only a full re-read is right.
      if (gone === null) return { kind: 'external' };
      return { kind, account, mailbox, modSeq, uids: gone.filter(within) };
    }
    if (kind === 'flags') {
      const rows = await this.options.reader.listMessages(mailbox, { changedSince: since });
      return { kind, account, mailbox, modSeq, uids: rows.map((row) => row.uid).filter(within) };
    }
    const uids: Uid[] = [];
    let page: MessageRow[];
    let after = (lowest - 1) as Uid | 0;
    do {
      page = await this.options.reader.listMessages(mailbox, { afterUid: after, limit: CATCH_UP_PAGE });
      for (const row of page) if (within(row.uid)) uids.push(row.uid);
      after = page[page.length - 1]?.uid ?? after;
    } while (page.length === CATCH_UP_PAGE && after < highest);
    return { kind, account, mailbox, modSeq, uids };
  }
}

/**
 * The bus of a process whose store is PostgreSQL (`[store] backend = "postgres"`): NOTIFY goes
 * through connections of its own, so that a store pool busy with deliveries never holds a notice
 * back. A node (`serve`) sends and listens; the CLI only sends (`listen: false`, one connection):
 * what a command changes reaches the sessions on every node as a node's own change does
 * (docs/postgres.en.md "Change events between nodes"). Closing stops the bus once every change
 * emitted so far is handed to PostgreSQL, then ends its connections.
 */
export async function startChangeBus(
  url: string,
  store: MailStore,
  logger: Logger,
  options: { readonly listen?: boolean; readonly sieve?: Pick<SieveScriptStore, 'forgetActiveScript'> } = {},
): Promise<Pick<ChangeBus, 'emittingRemoteChange' | 'close'>> {
  const listen = options.listen ?? true;
  const pool = openPostgresPool(url, { poolSize: listen ? 2 : 1 });
  const bus = new ChangeBus({ url, pool, events: store.events, reader: store, sieve: options.sieve, logger });
  if (listen) await bus.start();
  else bus.startSending();
  return {
    get emittingRemoteChange() {
      return bus.emittingRemoteChange;
    },
    async close() {
      await bus.close();
      await pool.end();
    },
  };
}
