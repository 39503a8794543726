import type { MessageFacts } from './message-view.js';
import type { RuleSet } from './rules/compile.js';
import type { FilterContext, ScannedBytes, Verdict, VerdictReason } from './verdict.js';

/** One message as the content filters see it: what was read of it once (message.ts), for lists, rules and Bayes. */
export interface FilterMessage {
  readonly facts: MessageFacts;
}

/**
 * What one filter returns. `final` stops the filters after it (an allow-listed sender skips spam
 * scoring; it is still virus-scanned because the virus filter runs first).
 */
export interface FilterOutcome {
  readonly verdict: Verdict;
  readonly final?: boolean;
}

/**
 * One step of the pipeline. `rules` is the rule set taken once for this message, so a reload in
 * the middle never mixes two files in one verdict.
 */
export interface Filter {
  readonly name: string;
  check(message: FilterMessage, context: FilterContext, rules: RuleSet): Promise<FilterOutcome>;
}

/** A filter that reads only the bytes (clamd): the pipeline starts it before parsing, alongside the others. */
export interface RawFilter {
  readonly name: string;
  check(raw: ScannedBytes): Promise<FilterOutcome>;
}

/** A verdict that only adds score, reasons or headers. */
export function scoreVerdict(reasons: readonly VerdictReason[], addHeaders: Verdict['addHeaders'] = []): Verdict {
  return {
    action: 'accept',
    score: reasons.reduce((sum, r) => sum + r.score, 0),
    reasons,
    addHeaders,
    subjectTag: null,
  };
}

export function refuseVerdict(
  action: 'reject' | 'tempfail',
  reason: VerdictReason,
  reply: NonNullable<Verdict['reply']>,
): Verdict {
  return { action, score: reason.score, reasons: [reason], reply, addHeaders: [], subjectTag: null };
}
