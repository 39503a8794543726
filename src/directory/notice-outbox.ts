import type { AccountId } from '../store/index.js';
import { accountOf } from './address.js';
import type { DirectoryContext } from './context.js';
import { listViolations, type ViolationView } from './violations.js';

/**
 * The outbox of Điều 10 notices, kept in the `violations` table itself: a violation whose
 * `warned_at` is NULL still owes its person a warning; one that completes a run of
 * `policy.violations_before_report` violations within `policy.violation_window` (counted since the
 * person's last report) owes the head of the unit a report while its `reported_at` is NULL.
 *
 * Invariants:
 * - A notice is marked sent by markWarned/markReported inside the very transaction that puts the
 *   message into the recipient's INBOX (store.deliver's `inTransaction`), so a crash leaves it
 *   either delivered and marked, or neither: never lost, never sent twice.
 * - The marks are conditional (`… IS NULL`): when the CLI and the server work the outbox at the
 *   same moment, the second delivery finds the mark set, throws NoticeAlreadySent, and is rolled back.
 */

export interface PendingWarning {
  readonly kind: 'warning';
  readonly violation: ViolationView;
  readonly personName: string;
  readonly unitName: string;
  /** The person's violations within the window up to and including this one. */
  readonly countInWindow: number;
}

export interface PendingReport {
  readonly kind: 'report';
  /** The violation that completed the run. */
  readonly violation: ViolationView;
  readonly personName: string;
  readonly unitName: string;
  /** The head of the unit, or postmaster when the unit has none or the head is the violator. */
  readonly recipient: AccountId;
  readonly recipientName: string | null;
  /** The violations the report is about, oldest first (the run that reached the threshold). */
  readonly violations: readonly ViolationView[];
}

export type PendingNotice = PendingWarning | PendingReport;

/** The notice was sent meanwhile (by another process): the delivery carrying it must roll back. */
export class NoticeAlreadySent extends Error {
  override readonly name = 'NoticeAlreadySent';
}

interface PersonUnitRow {
  personId: number;
  fullName: string;
  unitName: string;
  headPersonId: number | null;
}

/** Warnings first, then reports, each in violation order. */
export function pendingNotices(ctx: DirectoryContext): PendingNotice[] {
  const { violation_window: windowMs, violations_before_report: threshold } = ctx.config.policy;
  const warnings: PendingNotice[] = [];
  const reports: PendingNotice[] = [];
  for (const [personId, violations] of violationsByPerson(ctx)) {
    if (violations.every((v) => v.warnedAt !== null) && violations.at(-1)!.reportedAt !== null) continue;
    const who = personAndUnit(ctx, personId);
    // Violations since the person's last report: the one that makes it reach the threshold within the window owes a report.
    let run: ViolationView[] = [];
    for (const violation of violations) {
      const windowStart = new Date(Date.parse(violation.createdAt) - windowMs).toISOString();
      if (violation.warnedAt === null) {
        const countInWindow = violations.filter((v) => v.id <= violation.id && v.createdAt > windowStart).length;
        warnings.push({ kind: 'warning', violation, personName: who.fullName, unitName: who.unitName, countInWindow });
      }
      run = [...run.filter((v) => v.createdAt > windowStart), violation];
      if (violation.reportedAt === null && run.length < threshold) continue;
      if (violation.reportedAt === null) {
        reports.push({ kind: 'report', violation, personName: who.fullName, unitName: who.unitName, ...reportRecipient(ctx, who), violations: run });
      }
      run = [];
    }
  }
  const byId = (a: PendingNotice, b: PendingNotice) => a.violation.id - b.violation.id;
  return [...warnings.sort(byId), ...reports.sort(byId)];
}

function violationsByPerson(ctx: DirectoryContext): Map<number, ViolationView[]> {
  const personIds = ctx.db.prepare<[], { id: number; personId: number }>('SELECT id, person_id AS personId FROM violations').all();
  const personOf = new Map(personIds.map((row) => [row.id, row.personId]));
  const grouped = new Map<number, ViolationView[]>();
  for (const violation of listViolations(ctx)) {
    const personId = personOf.get(violation.id)!;
    grouped.set(personId, [...(grouped.get(personId) ?? []), violation]);
  }
  return grouped;
}

/** Inside the delivery's transaction: marks the warning sent, or throws NoticeAlreadySent. */
export function markWarned(ctx: DirectoryContext, notice: PendingWarning, messageId: string): void {
  const { changes } = ctx.db
    .prepare('UPDATE violations SET warned_at = ? WHERE id = ? AND warned_at IS NULL')
    .run(ctx.now().toISOString(), notice.violation.id);
  if (changes === 0) throw new NoticeAlreadySent(`violation ${notice.violation.id}: warning already sent`);
  ctx.auditLog.write({
    actor: 'system',
    action: 'violation.warn',
    subject: notice.violation.person,
    detail: { violation: notice.violation.id, to: notice.violation.person, messageId },
  });
}

/** Inside the delivery's transaction: marks the report sent, or throws NoticeAlreadySent. */
export function markReported(ctx: DirectoryContext, notice: PendingReport, messageId: string): void {
  const { changes } = ctx.db
    .prepare('UPDATE violations SET reported_at = ? WHERE id = ? AND reported_at IS NULL')
    .run(ctx.now().toISOString(), notice.violation.id);
  if (changes === 0) throw new NoticeAlreadySent(`violation ${notice.violation.id}: report already sent`);
  ctx.auditLog.write({
    actor: 'system',
    action: 'violation.report',
    subject: notice.violation.person,
    detail: { violations: notice.violations.map((v) => v.id), to: notice.recipient, messageId },
  });
}

function personAndUnit(ctx: DirectoryContext, personId: number): PersonUnitRow {
  const person = ctx.records.personById(personId)!;
  const unit = ctx.records.unitById(person.unitId)!;
  return { personId, fullName: person.fullName, unitName: unit.name, headPersonId: unit.headPersonId };
}

/** Điều 10 asks for the head of the unit; a unit without one (or headed by the violator) reports to the IT centre. */
function reportRecipient(ctx: DirectoryContext, who: PersonUnitRow): { recipient: AccountId; recipientName: string | null } {
  const head = who.headPersonId === null || who.headPersonId === who.personId ? null : ctx.records.personById(who.headPersonId);
  if (head === null || head.status === 'retired') return { recipient: accountOf('postmaster', ctx.config.server.domain), recipientName: null };
  return { recipient: ctx.records.accountOf(head), recipientName: head.fullName };
}
