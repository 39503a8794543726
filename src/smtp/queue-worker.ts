import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import type { DueRecipient, QueueClaim } from '../store/index.js';
import { buildDsn } from './dsn.js';
import { readStreamHeaderBlock } from './headers.js';
import { nodemailerTransport, RouteError, routesFor, type OutboundTransport, type RecipientOutcome } from './outbound.js';

export interface QueueWorkerOptions {
  /** Port of remote MX hosts: 25. Tests point it at their stand-in for the Internet; not a config key, production never needs another. */
  readonly mxPort?: number;
  /** How one attempt talks SMTP; tests may inject another. Default: nodemailer. */
  readonly transport?: OutboundTransport;
  /** How often the queue is looked at even when nobody woke the worker (the CLI may have changed it). */
  readonly pollIntervalMs?: number;
  /** Deliveries in flight at once. */
  readonly concurrency?: number;
  /**
   * How long a claim on recipients lasts (docs/architecture.md "Outbound queue claims"): longer
   * than any attempt, since the worker does not renew it; past it another node retries them.
   */
  readonly leaseMs?: number;
  readonly now?: () => Date;
}

/** The longest wait between two attempts, however many failed before. */
const MAX_RETRY_INTERVAL_MS = 4 * 3_600_000;
/** An attempt is bounded by the transport's timeouts (60 s of silence at any step); a 25 MB message on a slow link fits too. */
const DEFAULT_LEASE_MS = 15 * 60_000;

/**
 * Delivers queued mail (DESIGN.md "Submission"). Each (message, destination domain) is one
 * attempt; the outcome is recorded per recipient, so a recipient that accepted is never sent the
 * message again. Temporary failures are retried with exponential backoff from
 * `smtp.queue_retry_base` until `smtp.queue_max_age`; permanent failures and expiry produce a DSN
 * in the sender's INBOX. Everything lives in the queue tables, so a restart resumes where the
 * last commit left off. Recipients and DSNs are claimed before they are worked, so several workers
 * (one per node) share one queue without sending a recipient twice at once; a worker claims only
 * the attempts it can start now, so a claim covers one attempt, never a wait in its backlog.
 */
export class QueueWorker {
  private readonly log: Logger;
  private readonly mxPort: number;
  private readonly transport: OutboundTransport;
  private readonly pollIntervalMs: number;
  private readonly concurrency: number;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  /** This worker's claim owner id: unique across nodes and restarts. */
  private readonly owner = `${os.hostname()}/${process.pid}/${randomUUID()}`;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private stopped = true;

  constructor(
    private readonly ctx: AppContext,
    options: QueueWorkerOptions = {},
  ) {
    this.log = ctx.logger.child({ proto: 'smtp', component: 'queue' });
    this.mxPort = options.mxPort ?? 25;
    this.transport = options.transport ?? nodemailerTransport(ctx.config.server.hostname, 60_000);
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.concurrency = options.concurrency ?? 8;
    this.now = options.now ?? (() => new Date());
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Look at the queue now (after an enqueue, or a `queue retry`). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.tickAgain) {
        this.tickAgain = false;
        this.wake();
      }
    });
  }

  /** Stops taking new work and waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.all(this.running);
  }

  private async tick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    try {
      await this.deliverPendingDsns();
      while (!this.stopped) {
        while (this.running.size >= this.concurrency) await Promise.race(this.running);
        const groups = await this.claimGroups(this.concurrency - this.running.size);
        if (groups.length === 0) break;
        for (const group of groups) this.startAttempt(group);
      }
    } catch (err) {
      this.log.error({ err }, 'queue tick failed');
    }
    const delay = await this.delayUntilNextDue().catch(() => this.pollIntervalMs);
    if (!this.stopped) this.timer = setTimeout(() => this.wake(), delay).unref();
  }

  private startAttempt(group: DueRecipient[]): void {
    const attempt = this.attempt(group)
      .catch((err: unknown) => this.log.error({ err, message: group[0]!.messageId }, 'queue attempt failed'))
      .finally(() => {
        this.running.delete(attempt);
        // The attempt may have made a DSN due, or freed a slot for more work.
        this.wake();
      });
    this.running.add(attempt);
  }

  private claim(): QueueClaim {
    return { owner: this.owner, until: new Date(this.now().getTime() + this.leaseMs) };
  }

  private async delayUntilNextDue(): Promise<number> {
    const next = await this.ctx.queue.nextDueAt();
    if (!next) return this.pollIntervalMs;
    return Math.max(10, Math.min(this.pollIntervalMs, next.getTime() - this.now().getTime()));
  }

  /** Claims the recipients of at most `count` attempts, grouped by message and destination domain. */
  private async claimGroups(count: number): Promise<DueRecipient[][]> {
    const groups = new Map<string, DueRecipient[]>();
    for (const r of await this.ctx.queue.claimDue(this.claim(), this.now(), count)) {
      const key = `${r.messageId} ${r.domain}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups.values()];
  }

  private async attempt(group: DueRecipient[]): Promise<void> {
    const { messageId, sender, domain } = group[0]!;
    const now = this.now();
    let pending = group;
    const outcomes = new Map<string, RecipientOutcome>();
    const settled = (r: DueRecipient) => ['delivered', 'failed'].includes(outcomes.get(r.address.toLowerCase())?.kind ?? 'deferred');
    try {
      for (const route of await routesFor(domain, this.ctx.config, this.ctx.resolver, this.mxPort)) {
        // A fresh stream per route: an attempt that failed part-way leaves nothing to rewind.
        const message = await this.ctx.queue.streamMessage(messageId);
        if (!message) return; // deleted by `queue delete` meanwhile
        const result = await this.transport(route, { from: sender, to: pending.map((r) => r.address) }, message);
        for (const [address, outcome] of result) outcomes.set(address, outcome);
        // Only recipients deferred by this host are worth trying at the next one (RFC 5321 §5.1).
        pending = pending.filter((r) => !settled(r));
        if (pending.length === 0) break;
      }
    } catch (err) {
      if (!(err instanceof RouteError)) throw err;
      const outcome: RecipientOutcome = err.permanent ? { kind: 'failed', error: err.message } : { kind: 'deferred', error: err.message };
      for (const r of pending) outcomes.set(r.address.toLowerCase(), outcome);
    }
    await this.record(group, outcomes, now);
  }

  private async record(group: DueRecipient[], outcomes: Map<string, RecipientOutcome>, now: Date): Promise<void> {
    const { messageId, domain } = group[0]!;
    const byKind = { delivered: [] as DueRecipient[], deferred: [] as DueRecipient[], failed: [] as DueRecipient[] };
    for (const r of group) byKind[outcomes.get(r.address.toLowerCase())?.kind ?? 'deferred'].push(r);
    const first = (rs: DueRecipient[]) => outcomes.get(rs[0]!.address.toLowerCase());
    if (byKind.delivered.length > 0) {
      const outcome = first(byKind.delivered) as Extract<RecipientOutcome, { kind: 'delivered' }>;
      // Nothing else happens between the remote 250 (the transport has returned) and this single
      // UPDATE: a crash in that window is the only way a recipient could get the message twice.
      await this.ctx.queue.markDelivered(ids(byKind.delivered), outcome.response, now);
    }
    for (const r of byKind.failed) {
      const outcome = outcomes.get(r.address.toLowerCase()) as Extract<RecipientOutcome, { kind: 'failed' }>;
      await this.ctx.queue.markUndeliverable(this.owner, [r.id], 'failed', outcome.error, now);
    }
    const expiry = this.ctx.config.smtp.queue_max_age;
    for (const r of byKind.deferred) {
      const outcome = outcomes.get(r.address.toLowerCase());
      const error = outcome && outcome.kind === 'deferred' ? outcome.error : 'no answer for this recipient';
      // A temporary failure at or past queue_max_age is the last one: the sender gets a DSN.
      if (now.getTime() >= r.createdAt.getTime() + expiry) {
        await this.ctx.queue.markUndeliverable(this.owner, [r.id], 'expired', `delivery time expired, last error: ${error}`, now);
      } else {
        await this.ctx.queue.markDeferred(this.owner, [r.id], error, this.nextAttempt(r, now), now);
      }
    }
    this.log.info(
      { message: messageId, domain, delivered: byKind.delivered.length, deferred: byKind.deferred.length, failed: byKind.failed.length },
      'queue attempt',
    );
  }

  /** Exponential backoff: base, 2·base, 4·base … at most MAX_RETRY_INTERVAL_MS, and a last try when the message reaches queue_max_age. */
  private nextAttempt(r: DueRecipient, now: Date): Date {
    const { queue_retry_base: base, queue_max_age: maxAge } = this.ctx.config.smtp;
    const delay = Math.min(base * 2 ** Math.min(r.attempts, 30), MAX_RETRY_INTERVAL_MS);
    return new Date(Math.min(now.getTime() + delay, r.createdAt.getTime() + maxAge));
  }

  /**
   * DSNs owed after permanent failures or expiry. The DSN is committed in the sender's INBOX
   * before the queue forgets it is owed, so a crash between the two may repeat a DSN, never lose it.
   */
  private async deliverPendingDsns(): Promise<void> {
    for (const dsn of await this.ctx.queue.claimDsns(this.claim(), this.now())) {
      const resolution = this.ctx.directory.resolveRecipient(dsn.sender);
      if (resolution.ok) {
        const domain = dsn.sender.slice(dsn.sender.lastIndexOf('@') + 1).toLowerCase();
        // RFC 3462 §2: the original's header block (text/rfc822-headers) is all the DSN returns,
        // so only that much of it is read, however big the message.
        const original = await this.ctx.queue.streamMessage(dsn.messageId);
        const header = original ? await readStreamHeaderBlock(original.stream, this.ctx.config.limits.max_header_bytes) : null;
        const report = buildDsn(dsn, header, this.ctx.config.server.hostname, domain, this.now());
        await this.ctx.store.deliver([{ account: resolution.account, folder: 'INBOX' }], report);
      } else {
        this.log.warn({ message: dsn.messageId, reason: resolution.reason }, 'queue: DSN dropped, the sender is no longer a local account');
      }
      await this.ctx.queue.dsnDelivered(this.owner, dsn.messageId);
    }
  }
}

function ids(recipients: readonly DueRecipient[]): number[] {
  return recipients.map((r) => r.id);
}
