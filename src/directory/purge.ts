import type { AccountId } from '../store/index.js';
import { runChange, type DirectoryContext } from './context.js';
import { listViolations } from './violations.js';
import { personView } from './views.js';

/**
 * The directory's half of retention (DESIGN.md "Data", lifecycle; docs/architecture.md "Retention and migration"): which retired persons are
 * past `retention.retired_days`, and, once the store holds nothing of theirs, the end of their
 * record so the address may be given again. The audit log keeps what the record said.
 */

export interface RetiredPerson {
  readonly address: AccountId;
  readonly retiredAt: string;
}

/** Retired persons whose retirement is at or before `cutoff`. */
export interface RetentionDue {
  readonly cutoff: Date;
  readonly retiredDays: number;
  readonly persons: RetiredPerson[];
}

export function retiredBefore(ctx: DirectoryContext, cutoff: Date): RetiredPerson[] {
  return ctx.db
    .prepare<[string], { localPart: string; retiredAt: string }>(
      `SELECT local_part AS localPart, retired_at AS retiredAt FROM persons
       WHERE status = 'retired' AND retired_at <= ? ORDER BY retired_at, id`,
    )
    .all(cutoff.toISOString())
    .map((row) => ({ address: ctx.records.accountOf(row), retiredAt: row.retiredAt }));
}

export type ReleaseOutcome = 'released' | 'still-referenced' | 'not-retired';

/**
 * Deletes a retired person's record, violations and address. The caller has purged the mailbox
 * first; an alias still pointing at the address keeps it taken ('still-referenced'), since mail
 * sent to the alias would otherwise reach whoever gets the address next.
 */
export function releaseRetiredAddress(ctx: DirectoryContext, address: AccountId, actor: string): ReleaseOutcome {
  return runChange(ctx, () => {
    const localPart = address.slice(0, address.lastIndexOf('@'));
    const person = ctx.records.personByLocal(localPart);
    if (!person || person.status !== 'retired') return { result: 'not-retired' as const, changed: [] };
    const aliases = ctx.db.prepare<[string], number>('SELECT count(*) FROM addresses WHERE target = ?').pluck().get(person.localPart)!;
    if (aliases > 0) return { result: 'still-referenced' as const, changed: [] };
    const before = { ...personView(ctx.records, person), violations: listViolations(ctx, address) };
    ctx.db.prepare('DELETE FROM violations WHERE person_id = ?').run(person.id);
    ctx.db.prepare('DELETE FROM persons WHERE id = ?').run(person.id);
    ctx.db.prepare('DELETE FROM addresses WHERE local_part = ?').run(person.localPart);
    ctx.auditLog.write({ actor, action: 'person.purge', subject: address, before, after: null });
    return { result: 'released' as const, changed: [address] };
  });
}
