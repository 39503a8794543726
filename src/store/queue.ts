import { Readable } from 'node:stream';
import { CHUNK_SIZE } from './blobs.js';
import { migrate, type Db } from './database.js';
import { chunksOf, messageSize, readPieces } from './message-bytes.js';
import { asStorageError } from './storage-full.js';
import { StoreError, type MessageBytes } from './types.js';

/**
 * The outbound queue's durable state (DESIGN.md: queue tables live in the store; the worker is
 * src/smtp/queue-worker.ts). State is kept per recipient, so that a recipient whose server has
 * accepted the message is never sent it again, whatever happens to the others.
 */

export type QueueRecipientState = 'pending' | 'delivered' | 'failed' | 'expired';

export interface DueRecipient {
  readonly id: number;
  readonly messageId: number;
  readonly address: string;
  /** Lowercase domain part, to group recipients by destination. */
  readonly domain: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly sender: string;
  readonly createdAt: Date;
}

export interface QueueEntry {
  readonly id: number;
  readonly sender: string;
  readonly createdAt: Date;
  readonly size: number;
  readonly recipients: ReadonlyArray<{
    readonly address: string;
    readonly state: QueueRecipientState;
    readonly attempts: number;
    readonly nextAttemptAt: Date;
    readonly lastError: string | null;
  }>;
}

/** A message some of whose recipients failed for good: the sender is owed a DSN (RFC 3464). */
export interface PendingDsn {
  readonly messageId: number;
  readonly sender: string;
  readonly createdAt: Date;
  readonly failures: ReadonlyArray<{ readonly address: string; readonly state: 'failed' | 'expired'; readonly error: string }>;
}

/**
 * A worker's hold on recipients (docs/architecture.md "Outbound queue claims"): while it lasts, no
 * other worker (on this node or another) is given them; once `until` is past, they are due again
 * for anyone, which is how a node that died mid-delivery (kill -9) has its attempt retried.
 */
export interface QueueClaim {
  /** One id per worker: a host, a process and a random part, so that two nodes never share one. */
  readonly owner: string;
  /** Longer than any one attempt takes, since an attempt is not renewed. */
  readonly until: Date;
}

/**
 * Every method is asynchronous, as MailStore is, so that a backend behind a network (PostgreSQL)
 * implements the same contract as the embedded one (SQLite).
 */
export interface OutboundQueue {
  /**
   * Stores the message and its recipients (all due now) in one transaction. Returns the message id.
   * The message may be pieces, ranges of a spool file among them: they are read and written a
   * chunk at a time, never joined into one buffer.
   */
  enqueue(sender: string, recipients: readonly string[], raw: MessageBytes, now: Date): Promise<number>;
  /**
   * Claims the pending recipients due at `now` and not claimed by anyone, of at most `groups`
   * (message, destination domain) pairs, oldest first: each pair is one SMTP attempt, and a worker
   * claims only what it can start at once, so a claim never waits on the worker's own backlog.
   */
  claimDue(claim: QueueClaim, now: Date, groups: number): Promise<DueRecipient[]>;
  /** When the next pending recipient is due (its claim expiry if it is claimed), or null when nothing is pending. */
  nextDueAt(): Promise<Date | null>;
  /**
   * The message as a stream reading one chunk at a time, so that sending a 25 MB message holds a
   * chunk of it, not all of it; a fresh stream per call (one per route attempt). Null if there is
   * no such message; the stream fails, rather than ends early, if the message is deleted meanwhile.
   */
  streamMessage(messageId: number): Promise<QueuedMessageStream | null>;
  /**
   * The remote server said 250: one UPDATE statement, so the window between its 250 and our commit
   * is one statement. Recorded whoever holds the claim now: the remote's 250 is a fact.
   */
  markDelivered(recipientIds: readonly number[], response: string, now: Date): Promise<void>;
  /** Recorded only for recipients `owner` still claims: a claim lost to another worker leaves its outcome to that worker. */
  markDeferred(owner: string, recipientIds: readonly number[], error: string, nextAttemptAt: Date, now: Date): Promise<void>;
  /** Permanent failure (`failed`) or past the maximum age (`expired`); a DSN becomes pending. Only for recipients `owner` claims. */
  markUndeliverable(owner: string, recipientIds: readonly number[], state: 'failed' | 'expired', error: string, now: Date): Promise<void>;
  /** Claims the DSNs owed and not claimed by another worker, one entry per message. */
  claimDsns(claim: QueueClaim, now: Date): Promise<PendingDsn[]>;
  /** The DSN for this message is in the sender's INBOX; a message with nothing left to do is removed. */
  dsnDelivered(owner: string, messageId: number): Promise<void>;
  list(): Promise<QueueEntry[]>;
  /** Messages with at least one recipient still pending: the queue length /metrics reports, in one indexed count. */
  pendingCount(): Promise<number>;
  /** `queue retry`: every pending recipient of the message is due now. False if there is no such message. */
  retry(messageId: number, now: Date): Promise<boolean>;
  /** `queue delete`: drops the message and its recipients. False if there is no such message. */
  delete(messageId: number): Promise<boolean>;
  /** Releases what the queue holds of its own, after the worker has stopped. */
  close(): Promise<void>;
}

/** A queued message being read: its size (SIZE=, RFC 1870) known from the row, its octets from `stream`. */
export interface QueuedMessageStream {
  readonly size: number;
  readonly stream: Readable;
}

const MIGRATIONS = [
  {
    version: 1,
    sql: `
      CREATE TABLE queue_messages (
        id INTEGER PRIMARY KEY,
        sender TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        size INTEGER NOT NULL,
        raw BLOB NOT NULL
      );
      CREATE TABLE queue_recipients (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
        address TEXT NOT NULL,
        domain TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        dsn_pending INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX queue_recipients_due ON queue_recipients (state, next_attempt_at);
      CREATE INDEX queue_recipients_message ON queue_recipients (message_id);
      CREATE INDEX queue_recipients_dsn ON queue_recipients (message_id) WHERE dsn_pending = 1;
    `,
  },
  {
    // A message in chunks, as blobs.ts keeps bodies: a 25 MB message is written from its spool
    // file without being whole in memory. Messages queued before keep their bytes in `raw`; the
    // ones queued since leave it empty.
    version: 2,
    sql: `
      CREATE TABLE queue_message_chunks (
        message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (message_id, seq)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Claims (docs/architecture.md "Outbound queue claims"): a recipient is given to one worker at
    // a time until `claimed_until` (ms since the epoch; 0 when nobody holds it).
    version: 3,
    sql: `
      ALTER TABLE queue_recipients ADD COLUMN claim_owner TEXT;
      ALTER TABLE queue_recipients ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

/** A recipient row joined with its message, as the backends read it for claims. */
export interface ClaimedRow {
  id: number | string;
  message_id: number | string;
  address: string;
  domain: string;
  attempts: number;
  last_error: string | null;
  sender: string;
  created_at: number | Date;
}

export function dueRecipientOf(r: ClaimedRow): DueRecipient {
  return {
    id: Number(r.id),
    messageId: Number(r.message_id),
    address: r.address,
    domain: r.domain,
    attempts: r.attempts,
    lastError: r.last_error,
    sender: r.sender,
    createdAt: new Date(r.created_at),
  };
}

/** A recipient owed a DSN, joined with its message. */
export interface DsnRow {
  message_id: number | string;
  address: string;
  state: 'failed' | 'expired';
  last_error: string | null;
  sender: string;
  created_at: number | Date;
}

/** Rows of recipients owed a DSN, ordered by message, as one PendingDsn per message. */
export function pendingDsnsOf(rows: readonly DsnRow[]): PendingDsn[] {
  const byMessage = new Map<number, { messageId: number; sender: string; createdAt: Date; failures: PendingDsn['failures'][number][] }>();
  for (const row of rows) {
    const messageId = Number(row.message_id);
    let dsn = byMessage.get(messageId);
    if (!dsn) {
      dsn = { messageId, sender: row.sender, createdAt: new Date(row.created_at), failures: [] };
      byMessage.set(messageId, dsn);
    }
    dsn.failures.push({ address: row.address, state: row.state, error: row.last_error ?? '' });
  }
  return [...byMessage.values()];
}

/** The lowercase domain part of an address: recipients are grouped by destination with it. */
export function recipientDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

interface RecipientRow {
  id: number;
  message_id: number;
  address: string;
  domain: string;
  state: QueueRecipientState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/**
 * The queue in the node's SQLite database. SQLite has one writer, so a claim is one UPDATE; claims
 * still matter on one node: the CLI and a server restarted after a crash see the lease.
 */
export class SqliteOutboundQueue implements OutboundQueue {
  constructor(private readonly db: Db) {
    migrate(db, 'queue', MIGRATIONS);
  }

  async enqueue(sender: string, recipients: readonly string[], raw: MessageBytes, now: Date): Promise<number> {
    const insertMessage = this.db.prepare("INSERT INTO queue_messages (sender, created_at, size, raw) VALUES (?, ?, ?, x'')");
    const insertChunk = this.db.prepare('INSERT INTO queue_message_chunks (message_id, seq, data) VALUES (?, ?, ?)');
    const insertRecipient = this.db.prepare(
      'INSERT INTO queue_recipients (message_id, address, domain, next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    );
    try {
      return this.db.transaction(() => {
        const id = Number(insertMessage.run(sender, now.getTime(), messageSize(raw)).lastInsertRowid);
        let seq = 0;
        for (const chunk of chunksOf(readPieces(raw), CHUNK_SIZE)) insertChunk.run(id, seq++, chunk);
        for (const address of recipients) insertRecipient.run(id, address, recipientDomain(address), now.getTime(), now.getTime());
        return id;
      })();
    } catch (err) {
      throw asStorageError(err);
    }
  }

  async claimDue(claim: QueueClaim, now: Date, groups: number): Promise<DueRecipient[]> {
    const due = "state = 'pending' AND next_attempt_at <= @now AND claimed_until <= @now";
    const claimed = this.db
      .prepare(
        `UPDATE queue_recipients SET claim_owner = @owner, claimed_until = @until
         WHERE ${due} AND (message_id, domain) IN (
           SELECT message_id, domain FROM queue_recipients WHERE ${due}
           GROUP BY message_id, domain ORDER BY min(next_attempt_at), min(id) LIMIT @groups)
         RETURNING id`,
      )
      .pluck()
      .all({ owner: claim.owner, until: claim.until.getTime(), now: now.getTime(), groups }) as number[];
    return this.claimedRows(claimed).map(dueRecipientOf);
  }

  async pendingCount(): Promise<number> {
    return this.db.prepare("SELECT count(DISTINCT message_id) FROM queue_recipients WHERE state = 'pending'").pluck().get() as number;
  }

  async nextDueAt(): Promise<Date | null> {
    const at = this.db
      .prepare("SELECT MIN(max(next_attempt_at, claimed_until)) FROM queue_recipients WHERE state = 'pending'")
      .pluck()
      .get() as number | null;
    return at === null ? null : new Date(at);
  }

  async streamMessage(messageId: number): Promise<QueuedMessageStream | null> {
    const layout = this.layoutOf(messageId);
    if (!layout) return null;
    const chunks = this.chunkReader(messageId, layout.legacy);
    let sent = 0;
    const stream = new Readable({
      read() {
        if (sent >= layout.size) return void this.push(null);
        try {
          const chunk = chunks.next().value;
          if (!chunk || chunk.length === 0) throw new StoreError('nonexistent', `queued message ${messageId} was removed while being read`);
          sent += chunk.length;
          this.push(chunk);
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
    return { size: layout.size, stream };
  }

  async markDelivered(recipientIds: readonly number[], response: string, now: Date): Promise<void> {
    this.db
      .prepare(
        `UPDATE queue_recipients SET state = 'delivered', last_error = ?, updated_at = ?, claim_owner = NULL, claimed_until = 0
         WHERE state = 'pending' AND id IN (SELECT value FROM json_each(?))`,
      )
      .run(response, now.getTime(), JSON.stringify(recipientIds));
    this.removeFinished(recipientIds);
  }

  async markDeferred(owner: string, recipientIds: readonly number[], error: string, nextAttemptAt: Date, now: Date): Promise<void> {
    this.db
      .prepare(
        `UPDATE queue_recipients SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?, claim_owner = NULL, claimed_until = 0
         WHERE state = 'pending' AND claim_owner = ? AND id IN (SELECT value FROM json_each(?))`,
      )
      .run(error, nextAttemptAt.getTime(), now.getTime(), owner, JSON.stringify(recipientIds));
  }

  async markUndeliverable(owner: string, recipientIds: readonly number[], state: 'failed' | 'expired', error: string, now: Date): Promise<void> {
    this.db
      .prepare(
        `UPDATE queue_recipients SET state = ?, attempts = attempts + 1, last_error = ?, dsn_pending = 1, updated_at = ?, claim_owner = NULL, claimed_until = 0
         WHERE state = 'pending' AND claim_owner = ? AND id IN (SELECT value FROM json_each(?))`,
      )
      .run(state, error, now.getTime(), owner, JSON.stringify(recipientIds));
  }

  async claimDsns(claim: QueueClaim, now: Date): Promise<PendingDsn[]> {
    const claimed = this.db
      .prepare('UPDATE queue_recipients SET claim_owner = ?, claimed_until = ? WHERE dsn_pending = 1 AND claimed_until <= ? RETURNING id')
      .pluck()
      .all(claim.owner, claim.until.getTime(), now.getTime()) as number[];
    return pendingDsnsOf(this.claimedRows(claimed));
  }

  async dsnDelivered(owner: string, messageId: number): Promise<void> {
    const recipientIds = this.db
      .prepare(
        `UPDATE queue_recipients SET dsn_pending = 0, claim_owner = NULL, claimed_until = 0
         WHERE message_id = ? AND dsn_pending = 1 AND claim_owner = ? RETURNING id`,
      )
      .pluck()
      .all(messageId, owner) as number[];
    this.removeFinished(recipientIds);
  }

  async list(): Promise<QueueEntry[]> {
    const messages = this.db.prepare('SELECT id, sender, created_at, size FROM queue_messages ORDER BY id').all() as Array<{
      id: number;
      sender: string;
      created_at: number;
      size: number;
    }>;
    const recipients = this.db.prepare('SELECT * FROM queue_recipients WHERE message_id = ? ORDER BY id');
    return messages.map((m) => ({
      id: m.id,
      sender: m.sender,
      createdAt: new Date(m.created_at),
      size: m.size,
      recipients: (recipients.all(m.id) as RecipientRow[]).map((r) => ({
        address: r.address,
        state: r.state,
        attempts: r.attempts,
        nextAttemptAt: new Date(r.next_attempt_at),
        lastError: r.last_error,
      })),
    }));
  }

  async retry(messageId: number, now: Date): Promise<boolean> {
    const exists = this.db.prepare('SELECT 1 FROM queue_messages WHERE id = ?').pluck().get(messageId);
    if (!exists) return false;
    this.db
      .prepare("UPDATE queue_recipients SET next_attempt_at = ?, updated_at = ? WHERE message_id = ? AND state = 'pending'")
      .run(now.getTime(), now.getTime(), messageId);
    return true;
  }

  async delete(messageId: number): Promise<boolean> {
    return this.db.prepare('DELETE FROM queue_messages WHERE id = ?').run(messageId).changes > 0;
  }

  /** Nothing of its own: the database is the store's, closed with it. */
  async close(): Promise<void> {}

  /** The claimed recipients with their message's sender and date, in recipient order. */
  private claimedRows(recipientIds: readonly number[]): Array<ClaimedRow & DsnRow> {
    return this.db
      .prepare(
        `SELECT r.id, r.message_id, r.address, r.domain, r.state, r.attempts, r.last_error, m.sender, m.created_at
         FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
         WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.message_id, r.id`,
      )
      .all(JSON.stringify(recipientIds)) as Array<ClaimedRow & DsnRow>;
  }

  /** The message's size, and whether it is an older row whose octets are in `raw` rather than in chunks. */
  private layoutOf(messageId: number): { size: number; legacy: boolean } | null {
    const row = this.db.prepare('SELECT size, length(raw) > 0 AS legacy FROM queue_messages WHERE id = ?').get(messageId) as
      | { size: number; legacy: number }
      | undefined;
    return row ? { size: row.size, legacy: row.legacy === 1 } : null;
  }

  /**
   * The message's chunks in order, each read when pulled: a row of queue_message_chunks, or for an
   * older row the same span of `raw` (substr of a blob counts octets), so that only one chunk is in
   * memory at a time either way. An empty buffer past the end, or once the message is deleted.
   */
  private *chunkReader(messageId: number, legacy: boolean): Generator<Buffer> {
    const read = legacy
      ? this.db.prepare('SELECT substr(raw, ? * ? + 1, ?) FROM queue_messages WHERE id = ?').pluck()
      : this.db.prepare('SELECT data FROM queue_message_chunks WHERE seq = ? AND message_id = ?').pluck();
    for (let seq = 0; ; seq++) {
      const chunk = (legacy ? read.get(seq, CHUNK_SIZE, CHUNK_SIZE, messageId) : read.get(seq, messageId)) as Buffer | null | undefined;
      yield chunk ?? Buffer.alloc(0);
    }
  }

  /** Removes the messages of these recipients that have nothing left to do: no pending recipient, no DSN owed. */
  private removeFinished(recipientIds: readonly number[]): void {
    this.db
      .prepare(
        `DELETE FROM queue_messages WHERE id IN (SELECT message_id FROM queue_recipients WHERE id IN (SELECT value FROM json_each(?)))
         AND NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.message_id = queue_messages.id AND (r.state = 'pending' OR r.dsn_pending = 1))`,
      )
      .run(JSON.stringify(recipientIds));
  }
}
