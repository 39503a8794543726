import { scoreVerdict, type Filter } from './filter.js';
import type { VerdictReason } from './verdict.js';

/**
 * Bulk and repeat detection without the Internet (docs/architecture.md "Spam filtering"): the
 * bodies of the inbound messages of the last `[bulk] window_hours` are kept as their fuzzy
 * fingerprints (bayes/fingerprint.ts), and a new message nearly the same as earlier ones is
 * counted against them: how many of our mailboxes got that text, and from how many outside sender
 * domains. Mail sent to many officials at once from outside, or one text arriving from many
 * unrelated domains (a campaign rotating its senders), scores. Each signal is marked as needing
 * confirmation: a circular from a ministry to every official is bulk too, and must not be junked
 * for that alone.
 *
 * Kept in this process's memory, bounded by MAX_REMEMBERED messages: after a restart the counts
 * start again from zero, which costs at most one window's worth of missed scores.
 */

/** Shares at least this many of the 16 bands: the same near-duplicate bar as the learnt-spam check (bayes/filter.ts). */
const NEAR_BANDS = 6;
/** Messages remembered at most; the oldest go first. About 200 bytes each. */
const MAX_REMEMBERED = 100_000;
/** Most recent messages looked at per band value: enough to pass any threshold a rules file sets. */
const SCAN_PER_BAND = 2_000;

export interface BulkSettings {
  readonly enabled: boolean;
  readonly window_hours: number;
  /** This many of our mailboxes (this message's included) got nearly the same text in the window. */
  readonly recipients: number;
  /** From this many different outside sender domains (this message's included). */
  readonly senders: number;
  readonly score: number;
}

interface Remembered {
  readonly seq: number;
  readonly at: number;
  readonly senderDomain: string;
  readonly recipients: readonly string[];
  readonly keys: readonly number[];
}

/** What earlier messages, with this one, say about a body. */
export interface BulkCount {
  readonly recipients: number;
  readonly senderDomains: number;
}

/** Recent inbound bodies by fingerprint band, oldest first. */
export class RecentBodies {
  private readonly entries: Remembered[] = [];
  private readonly bySeq = new Map<number, Remembered>();
  /** band × 2³² + value → the seq numbers of the messages with that value in that band, oldest first. */
  private readonly byBand = new Map<number, number[]>();
  private nextSeq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts this message against the window's messages, then remembers it. */
  countAndRemember(fingerprint: readonly number[], senderDomain: string, recipients: readonly string[], windowMs: number): BulkCount {
    this.forgetBefore(this.now() - windowMs);
    const keys = fingerprint.map((value, band) => band * 2 ** 32 + value);
    const shared = new Map<number, number>();
    for (const key of keys) {
      const seqs = this.byBand.get(key);
      if (!seqs) continue;
      for (let i = seqs.length - 1; i >= Math.max(0, seqs.length - SCAN_PER_BAND); i--) shared.set(seqs[i]!, (shared.get(seqs[i]!) ?? 0) + 1);
    }
    const own = [...new Set(recipients.map((r) => r.toLowerCase()))];
    const mailboxes = new Set(own);
    const domains = new Set([senderDomain]);
    for (const [seq, count] of shared) {
      if (count < NEAR_BANDS) continue;
      const near = this.bySeq.get(seq)!;
      for (const r of near.recipients) mailboxes.add(r);
      domains.add(near.senderDomain);
    }
    this.remember(keys, senderDomain, own);
    return { recipients: mailboxes.size, senderDomains: domains.size };
  }

  get size(): number {
    return this.entries.length;
  }

  private remember(keys: readonly number[], senderDomain: string, recipients: readonly string[]): void {
    const entry: Remembered = { seq: this.nextSeq++, at: this.now(), senderDomain, recipients, keys };
    this.entries.push(entry);
    this.bySeq.set(entry.seq, entry);
    for (const key of keys) {
      const seqs = this.byBand.get(key);
      if (seqs) seqs.push(entry.seq);
      else this.byBand.set(key, [entry.seq]);
    }
    if (this.entries.length > MAX_REMEMBERED) this.forgetOldest();
  }

  private forgetBefore(cutoff: number): void {
    while (this.entries.length > 0 && this.entries[0]!.at < cutoff) this.forgetOldest();
  }

  /** The oldest entry is at the front of each of its bands' lists: entries are remembered and forgotten in the same order. */
  private forgetOldest(): void {
    const oldest = this.entries.shift()!;
    this.bySeq.delete(oldest.seq);
    for (const key of oldest.keys) {
      const seqs = this.byBand.get(key)!;
      seqs.shift();
      if (seqs.length === 0) this.byBand.delete(key);
    }
  }
}

/** The domain of an envelope sender; the null reverse-path (bounces) counts as one sender "<>". */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '<>' : address.slice(at + 1).toLowerCase();
}

export function createBulkFilter(recent: RecentBodies = new RecentBodies()): Filter {
  return {
    name: 'bulk',
    async check(message, context, rules) {
      const settings = rules.bulk;
      const fingerprint = message.facts.bodyFingerprint;
      // Only mail from outside: an official writing to many colleagues is not a campaign.
      if (!settings.enabled || context.direction !== 'inbound' || fingerprint === null) return { verdict: scoreVerdict([]) };
      const count = recent.countAndRemember(fingerprint, domainOf(context.mailFrom), context.recipients, settings.window_hours * 3_600_000);
      const reasons: VerdictReason[] = [];
      if (count.recipients >= settings.recipients) {
        reasons.push({ id: 'bulk:MANY_OFFICIALS', score: settings.score, description: `nearly the same text reached ${count.recipients} of our mailboxes from outside in ${settings.window_hours} h`, needsConfirmation: true });
      }
      if (count.senderDomains >= settings.senders) {
        reasons.push({ id: 'bulk:MANY_SENDERS', score: settings.score, description: `nearly the same text came from ${count.senderDomains} different sender domains in ${settings.window_hours} h`, needsConfirmation: true });
      }
      return { verdict: scoreVerdict(reasons) };
    },
  };
}
