import type { AppContext } from '../context.js';
import type { AccountId } from '../store/types.js';

export type SubmissionViolation = 'rate-limit' | 'recipient-limit' | 'virus' | 'spam';

/**
 * The one place where submission reports an official's violation (Điều 10: virus or spam sent,
 * submission limits exceeded) to the directory's violations workflow, which warns the person and,
 * after repeated ones, the head of the unit.
 */
export function reportViolation(ctx: AppContext, person: AccountId, kind: SubmissionViolation, detail: string): void {
  ctx.logger.warn({ proto: 'smtp', user: person, violation: kind }, 'submission violation');
  const source = kind === 'virus' || kind === 'spam' ? 'filter' : 'rate-limit';
  try {
    ctx.directory.recordViolation(person, `SMTP ${kind}: ${detail}`, { source });
  } catch (err) {
    // The refusal the client gets must not depend on the bookkeeping succeeding.
    ctx.logger.error({ proto: 'smtp', user: person, err }, 'could not record a violation');
  }
}
