import type { MessageFacts } from './message-view.js';
import type { SharedInput } from '../workers/index.js';

/**
 * The contract between the filter pipeline and the SMTP edge. Each filter returns a Verdict;
 * the pipeline combines them; SMTP maps the final one to a folder or a reply.
 */

export type VerdictAction = 'accept' | 'junk' | 'reject' | 'tempfail';

export interface VerdictReason {
  /** Which filter or rule: "virus", "spam:URI_SHORTENER", "bayes", "dnsbl:zen.example". */
  readonly id: string;
  readonly score: number;
  readonly description: string;
  /**
   * A statistical guess that may not move mail to Junk or refuse it on its own: it counts only
   * when another reason with a positive score agrees (combineVerdicts; docs/architecture.md, "Spam filtering").
   */
  readonly needsConfirmation?: boolean;
}

export interface Verdict {
  readonly action: VerdictAction;
  readonly score: number;
  readonly reasons: readonly VerdictReason[];
  /** Where a reject/tempfail is answered: the SMTP reply the edge sends (e.g. 554 5.7.1 "virus found: Eicar"). */
  readonly reply?: { readonly code: number; readonly enhanced: string; readonly text: string };
  /** Headers to prepend to the stored copy (X-Spam-Status, X-Virus-Status, …), in order. */
  readonly addHeaders: ReadonlyArray<readonly [name: string, value: string]>;
  /** Subject tag from `tag_subject_at`, to prefix to the Subject header, or null. */
  readonly subjectTag: string | null;
  /** The rules file's thresholds the score was judged against; absent when no score was judged (a refusal, a single filter's verdict). */
  readonly thresholds?: { readonly junk_at: number; readonly reject_at: number };
  /** A first line for the message's text parts (`[spam] impersonation_banner`, src/smtp/banner.ts); absent for none. */
  readonly banner?: string;
}

/** What the edge knows about a message when it asks for a verdict. */
/**
 * A rule set as it crosses to a worker thread (src/workers): its file's text, which the worker
 * compiles once and keeps (compiled regexes cannot be cloned). The main thread validated that
 * text when it loaded it, so compiling it again gives the same rules. It goes to each worker once
 * per loaded file (snapshotOf: a src/workers SharedInput), not with every job. Each message is checked
 * against the snapshot taken when its checks began, so a reload never mixes two files in one
 * verdict.
 */
export interface RulesSnapshot {
  readonly file: string;
  readonly source: string;
}

export interface FilterContext {
  readonly direction: 'inbound' | 'outbound';
  readonly remoteIp: string;
  readonly helo: string;
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  /** Names the message in logs (the Received id); the analysis workers report over-budget messages by it. */
  readonly queueId?: string;
  /** Authenticated official (outbound), or null. */
  readonly authenticatedAs: string | null;
  /** Authentication-Results data computed by the SMTP edge with mailauth (inbound only). */
  readonly auth?: {
    readonly spf: string;
    readonly dkim: string;
    readonly dmarc: string;
    readonly arc?: string;
  };
}

/** The message as it will be stored, or its facts already read under the check's rules (messageFacts in message.ts). */
export type CheckedContent = { readonly raw: Buffer } | { readonly facts: MessageFacts };

/**
 * The bytes as received, for the filters that read only bytes (clamd): in memory, or a message
 * spooled to disk (src/limits) by its file, which the scan streams without reading it whole.
 */
export type ScannedBytes = Buffer | { readonly file: string; readonly size: number };

/** A message's checks begun on the bytes as received; see FilterPipeline.begin. */
export interface PendingCheck {
  /**
   * The rule set this message is checked against, taken at begin(): an edge that reads the facts
   * itself reads them under it, handing it to its worker job as a shared input.
   */
  readonly rules: SharedInput<RulesSnapshot>;
  /** Runs the other filters on the message as it will be stored, with the edge's context, and gives the verdict. */
  finish(content: CheckedContent, context: FilterContext): Promise<Verdict>;
}

/** The composed pipeline SMTP calls, once per message, inbound and outbound. */
export interface FilterPipeline {
  check(raw: Buffer, context: FilterContext): Promise<Verdict>;
  /**
   * check() in two steps, for an edge that has work of its own before it knows the context (the
   * MX authenticating a message: SPF/DKIM/DMARC lookups): the virus scan starts on `received` at
   * once, in clamd's process, and finish() runs the rest, on facts the edge read itself in its
   * own worker job (under `rules`) or on the bytes. The verdict is the same as check()'s;
   * a check begun and never finished costs one scan and nothing else.
   */
  begin(received: ScannedBytes): PendingCheck;
  /**
   * A user classified a message (IMAP): moved into Junk → 'spam'; moved out of Junk into a folder
   * other than Trash → 'ham'. Bayes learns it (a message learnt as the other class is moved over;
   * learning the same bytes twice counts once). A no-op when Bayes is not configured. `user`:
   * who moved it; one user's share of what Bayes learns is limited by the rules file's
   * `[bayes] user_share` / `user_min`, and a message someone else classified stays as they said.
   */
  learn(kind: 'spam' | 'ham', raw: Buffer, user: string): Promise<void>;
  /** Forgets what was learnt from these bytes (e.g. the user undid the move). */
  unlearn(raw: Buffer): Promise<void>;
}
