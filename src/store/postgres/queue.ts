import { Readable } from 'node:stream';
import { CHUNK_SIZE } from '../blobs.js';
import { chunksOf, messageSize, readPieces } from '../message-bytes.js';
import {
  dueRecipientOf,
  pendingDsnsOf,
  recipientDomain,
  type ClaimedRow,
  type DsnRow,
  type DueRecipient,
  type OutboundQueue,
  type PendingDsn,
  type QueueClaim,
  type QueueEntry,
  type QueueRecipientState,
  type QueuedMessageStream,
} from '../queue.js';
import { StoreError, type MessageBytes } from '../types.js';
import { inPgTransaction, migratePostgres, type PgPool } from './database.js';
import { storeQuery } from './numbers.js';

/**
 * The outbound queue in PostgreSQL, shared by every node (docs/architecture.md "Outbound queue
 * claims"). The same contract as SqliteOutboundQueue; what differs is that several workers claim
 * at once: a claim locks the rows it takes with FOR UPDATE SKIP LOCKED (PostgreSQL §SELECT "The
 * Locking Clause"), so two nodes claiming together take disjoint recipients without waiting on
 * each other, and the lease (`claimed_until`) hands a dead node's recipients to the others.
 * Message bodies are chunked bytea rows, written and read one chunk at a time. Every query goes
 * through storeQuery, as the mail store's do: a lost server is StoreError 'unavailable' (SMTP 451
 * 4.3.0 at the edge) and takes part in the pool's reconnect backoff (docs/postgres.en.md "Failover").
 */

const MIGRATIONS = [
  {
    version: 1,
    sql: `
      CREATE TABLE queue_messages (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sender TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        size BIGINT NOT NULL
      );
      CREATE TABLE queue_message_chunks (
        message_id BIGINT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (message_id, seq)
      );
      CREATE TABLE queue_recipients (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id BIGINT NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
        address TEXT NOT NULL,
        domain TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL,
        last_error TEXT,
        dsn_pending BOOLEAN NOT NULL DEFAULT false,
        claim_owner TEXT,
        claimed_until TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
        updated_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX queue_recipients_due ON queue_recipients (next_attempt_at) WHERE state = 'pending';
      CREATE INDEX queue_recipients_message ON queue_recipients (message_id);
      CREATE INDEX queue_recipients_dsn ON queue_recipients (message_id) WHERE dsn_pending;
    `,
  },
];

/** Recipients due at $1 and claimed by nobody (or by a lease past its end). */
const DUE = "state = 'pending' AND next_attempt_at <= $1 AND claimed_until <= $1";

/** Joins claimed recipient ids ($1) to their message, in message then recipient order. */
const CLAIMED_ROWS = `
  SELECT r.id, r.message_id, r.address, r.domain, r.state, r.attempts, r.last_error, m.sender, m.created_at
  FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
  WHERE r.id = ANY($1::bigint[]) ORDER BY r.message_id, r.id`;

/** Opens the queue on a pool it then owns (close() ends it), applying its migrations (component "queue") first. */
export async function openPgOutboundQueue(pool: PgPool): Promise<PgOutboundQueue> {
  await migratePostgres(pool, 'queue', MIGRATIONS);
  return new PgOutboundQueue(pool);
}

export class PgOutboundQueue implements OutboundQueue {
  constructor(private readonly pool: PgPool) {}

  async enqueue(sender: string, recipients: readonly string[], raw: MessageBytes, now: Date): Promise<number> {
    return inPgTransaction(this.pool, async (client) => {
      const [inserted] = await storeQuery<{ id: number }>(client, 'INSERT INTO queue_messages (sender, created_at, size) VALUES ($1, $2, $3) RETURNING id', [
        sender,
        now,
        messageSize(raw),
      ]);
      const id = inserted!.id;
      let seq = 0;
      for (const chunk of chunksOf(readPieces(raw), CHUNK_SIZE)) {
        await storeQuery(client, 'INSERT INTO queue_message_chunks (message_id, seq, data) VALUES ($1, $2, $3)', [id, seq++, chunk]);
      }
      await storeQuery(
        client,
        `INSERT INTO queue_recipients (message_id, address, domain, next_attempt_at, updated_at)
         SELECT $1, address, domain, $4, $4 FROM unnest($2::text[], $3::text[]) AS r(address, domain)`,
        [id, recipients, recipients.map(recipientDomain), now],
      );
      return id;
    });
  }

  async claimDue(claim: QueueClaim, now: Date, groups: number): Promise<DueRecipient[]> {
    // The oldest `groups` (message, domain) pairs are chosen without locks (GROUP BY cannot lock);
    // their rows are then locked, skipping any another node is claiming this instant: that node
    // has them, and this one simply gets fewer this time.
    const claimed = await storeQuery<{ id: number }>(
      this.pool,
      `UPDATE queue_recipients SET claim_owner = $2, claimed_until = $3
       WHERE id IN (
         SELECT id FROM queue_recipients
         WHERE ${DUE} AND (message_id, domain) IN (
           SELECT message_id, domain FROM queue_recipients WHERE ${DUE}
           GROUP BY message_id, domain ORDER BY min(next_attempt_at), min(id) LIMIT $4)
         FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now, claim.owner, claim.until, groups],
    );
    return (await this.claimedRows(claimed.map((r) => r.id))).map(dueRecipientOf);
  }

  async nextDueAt(): Promise<Date | null> {
    const [row] = await storeQuery<{ at: Date | null }>(
      this.pool,
      "SELECT min(greatest(next_attempt_at, claimed_until)) AS at FROM queue_recipients WHERE state = 'pending'",
    );
    return row!.at;
  }

  async streamMessage(messageId: number): Promise<QueuedMessageStream | null> {
    const [found] = await storeQuery<{ size: number }>(this.pool, 'SELECT size FROM queue_messages WHERE id = $1', [messageId]);
    if (found === undefined) return null;
    const size = found.size;
    const pool = this.pool;
    // A chunk is queried when the reader pulls it (Readable.from reads one ahead at most: a chunk
    // is larger than the stream's high-water mark).
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let seq = 0, sent = 0; sent < size; seq++) {
        const [row] = await storeQuery<{ data: Buffer }>(pool, 'SELECT data FROM queue_message_chunks WHERE message_id = $1 AND seq = $2', [messageId, seq]);
        const chunk = row?.data;
        if (!chunk || chunk.length === 0) throw new StoreError('nonexistent', `queued message ${messageId} was removed while being read`);
        sent += chunk.length;
        yield chunk;
      }
    }
    const stream = Readable.from(chunks(), { objectMode: false });
    return { size, stream };
  }

  async markDelivered(recipientIds: readonly number[], response: string, now: Date): Promise<void> {
    await storeQuery(
      this.pool,
      `UPDATE queue_recipients SET state = 'delivered', last_error = $2, updated_at = $3, claim_owner = NULL, claimed_until = '-infinity'
       WHERE state = 'pending' AND id = ANY($1::bigint[])`,
      [recipientIds, response, now],
    );
    await this.removeFinished(recipientIds);
  }

  async markDeferred(owner: string, recipientIds: readonly number[], error: string, nextAttemptAt: Date, now: Date): Promise<void> {
    await storeQuery(
      this.pool,
      `UPDATE queue_recipients SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4, updated_at = $5, claim_owner = NULL, claimed_until = '-infinity'
       WHERE state = 'pending' AND claim_owner = $1 AND id = ANY($2::bigint[])`,
      [owner, recipientIds, error, nextAttemptAt, now],
    );
  }

  async markUndeliverable(owner: string, recipientIds: readonly number[], state: 'failed' | 'expired', error: string, now: Date): Promise<void> {
    await storeQuery(
      this.pool,
      `UPDATE queue_recipients SET state = $3, attempts = attempts + 1, last_error = $4, dsn_pending = true, updated_at = $5,
         claim_owner = NULL, claimed_until = '-infinity'
       WHERE state = 'pending' AND claim_owner = $1 AND id = ANY($2::bigint[])`,
      [owner, recipientIds, state, error, now],
    );
  }

  async claimDsns(claim: QueueClaim, now: Date): Promise<PendingDsn[]> {
    const claimed = await storeQuery<{ id: number }>(
      this.pool,
      `UPDATE queue_recipients SET claim_owner = $2, claimed_until = $3
       WHERE id IN (SELECT id FROM queue_recipients WHERE dsn_pending AND claimed_until <= $1 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now, claim.owner, claim.until],
    );
    return pendingDsnsOf(await this.claimedRows(claimed.map((r) => r.id)));
  }

  async dsnDelivered(owner: string, messageId: number): Promise<void> {
    const cleared = await storeQuery<{ id: number }>(
      this.pool,
      `UPDATE queue_recipients SET dsn_pending = false, claim_owner = NULL, claimed_until = '-infinity'
       WHERE message_id = $1 AND dsn_pending AND claim_owner = $2 RETURNING id`,
      [messageId, owner],
    );
    await this.removeFinished(cleared.map((r) => r.id));
  }

  async list(): Promise<QueueEntry[]> {
    const messages = await storeQuery<{ id: number; sender: string; created_at: Date; size: number }>(
      this.pool,
      'SELECT id, sender, created_at, size FROM queue_messages ORDER BY id',
    );
    const recipients = await storeQuery<{
      message_id: number;
      address: string;
      state: QueueRecipientState;
      attempts: number;
      next_attempt_at: Date;
      last_error: string | null;
    }>(this.pool, 'SELECT message_id, address, state, attempts, next_attempt_at, last_error FROM queue_recipients ORDER BY message_id, id');
    const byMessage = new Map<number, QueueEntry['recipients'][number][]>();
    for (const r of recipients) {
      const entry = { address: r.address, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, lastError: r.last_error };
      byMessage.set(r.message_id, [...(byMessage.get(r.message_id) ?? []), entry]);
    }
    return messages.map((m) => ({
      id: m.id,
      sender: m.sender,
      createdAt: m.created_at,
      size: m.size,
      recipients: byMessage.get(m.id) ?? [],
    }));
  }

  async pendingCount(): Promise<number> {
    const [row] = await storeQuery<{ count: number }>(this.pool, "SELECT count(DISTINCT message_id) AS count FROM queue_recipients WHERE state = 'pending'");
    return row!.count;
  }

  async retry(messageId: number, now: Date): Promise<boolean> {
    const exists = await storeQuery(this.pool, 'SELECT 1 FROM queue_messages WHERE id = $1', [messageId]);
    if (exists.length === 0) return false;
    await storeQuery(this.pool, "UPDATE queue_recipients SET next_attempt_at = $2, updated_at = $2 WHERE message_id = $1 AND state = 'pending'", [messageId, now]);
    return true;
  }

  async delete(messageId: number): Promise<boolean> {
    const deleted = await storeQuery(this.pool, 'DELETE FROM queue_messages WHERE id = $1 RETURNING id', [messageId]);
    return deleted.length > 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async claimedRows(recipientIds: readonly number[]): Promise<Array<ClaimedRow & DsnRow>> {
    if (recipientIds.length === 0) return [];
    return storeQuery<ClaimedRow & DsnRow>(this.pool, CLAIMED_ROWS, [recipientIds]);
  }

  /** Removes the messages of these recipients that have nothing left to do: no pending recipient, no DSN owed. */
  private async removeFinished(recipientIds: readonly number[]): Promise<void> {
    await storeQuery(
      this.pool,
      `DELETE FROM queue_messages WHERE id IN (SELECT message_id FROM queue_recipients WHERE id = ANY($1::bigint[]))
       AND NOT EXISTS (SELECT 1 FROM queue_recipients r WHERE r.message_id = queue_messages.id AND (r.state = 'pending' OR r.dsn_pending))`,
      [recipientIds],
    );
  }
}
