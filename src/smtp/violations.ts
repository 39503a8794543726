import type { AppContext } from '../context.js';
import type { ViolationSource } from '../directory/index.js';
import type { FilterViolation } from '../filters/index.js';
import type { AccountId } from '../store/index.js';

export type SubmissionLimit = 'rate-limit' | 'recipient-limit';

/**
 * Where submission reports an official's violation (docs/architecture.md "Violations (Điều 10)":
 * virus or spam sent, submission limits exceeded) to the directory's violations workflow, which
 * warns the person and, after repeated ones, the head of the unit. What a refused message is
 * (serious or not, its reason) is the filters' one rule, violationFromVerdict.
 */
export function reportViolation(ctx: AppContext, person: AccountId, kind: SubmissionLimit, detail: string): void {
  record(ctx, person, kind, `SMTP ${kind}: ${detail}`, { source: 'rate-limit', serious: false });
}

export function reportFilterViolation(ctx: AppContext, violation: FilterViolation): void {
  record(ctx, violation.address, violation.source, violation.reason, { source: violation.source, serious: violation.serious });
}

function record(ctx: AppContext, person: string, kind: string, reason: string, options: { source: ViolationSource; serious: boolean }): void {
  ctx.logger.warn({ proto: 'smtp', user: person, violation: kind }, 'submission violation');
  try {
    ctx.directory.recordViolation(person, reason, options);
  } catch (err) {
    // The refusal the client gets must not depend on the bookkeeping succeeding.
    ctx.logger.error({ proto: 'smtp', user: person, err }, 'could not record a violation');
  }
}
