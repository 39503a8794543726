import type { FilterContext, Verdict } from './verdict.js';

/** What SMTP passes to the directory's `recordViolation(address, reason, { serious, source })`. */
export interface FilterViolation {
  /** The official who sent it (the authenticated user). */
  readonly address: string;
  /** One line naming what was found: "virus Test.EICAR.UNOFFICIAL" or "spam score 17.5: VN_VAY_TIEN=3, …". */
  readonly reason: string;
  /** Sending a virus is serious; sending spam is not, the first time (repeats are counted: docs/architecture.md "Violations (Điều 10)"). */
  readonly serious: boolean;
  readonly source: 'filter';
}

/**
 * The regulation forbids officials to spread viruses or spam: an outbound message our pipeline
 * refused is a violation of its authenticated sender. Inbound mail, tempfails (scanner outage)
 * and junk-level scores are not. Call after the 554 has been sent.
 */
export function violationFromVerdict(verdict: Verdict, context: FilterContext): FilterViolation | null {
  if (context.direction !== 'outbound' || verdict.action !== 'reject' || context.authenticatedAs === null) return null;
  const virus = verdict.reasons.find((r) => r.id === 'virus');
  if (virus) {
    return { address: context.authenticatedAs, reason: virus.description.replace(/^virus found: /, 'sent a virus: '), serious: true, source: 'filter' };
  }
  const hits = verdict.reasons
    .filter((r) => r.score !== 0)
    .map((r) => `${r.id.replace(/^(spam|bayes):/, '')}=${r.score}`)
    .join(', ');
  return { address: context.authenticatedAs, reason: `sent spam (score ${verdict.score}: ${hits})`, serious: false, source: 'filter' };
}
