import type { AccountId } from '../store/index.js';
import { cleanText, requirePerson, runChange, type DirectoryContext } from './context.js';
import type { ViolationSource } from './types.js';

/**
 * Violations of Điều 10 (using another's mailbox, sending viruses or spam, …). Recorded here by
 * the admin (`violation add`), the filters and the submission rate limits; src/notices sends the
 * warning e-mails (warned_at) and the report to the head of the unit (reported_at).
 */

export interface ViolationOptions {
  readonly serious?: boolean;
  readonly source: ViolationSource;
  /** Default: "system" for automatic sources. */
  readonly actor?: string;
}

export interface ViolationView {
  readonly id: number;
  readonly person: AccountId;
  readonly reason: string;
  readonly serious: boolean;
  readonly source: ViolationSource;
  readonly actor: string;
  readonly createdAt: string;
  /** When the warning e-mail reached the person's INBOX (src/notices); null while owed. */
  readonly warnedAt: string | null;
  /** When this violation's report reached the head of the unit; null if none was sent (or it is owed). */
  readonly reportedAt: string | null;
}

interface ViolationRow {
  id: number;
  localPart: string;
  reason: string;
  serious: number;
  source: ViolationSource;
  actor: string;
  createdAt: string;
  warnedAt: string | null;
  reportedAt: string | null;
}

const SELECT = `SELECT v.id, p.local_part AS localPart, v.reason, v.serious, v.source, v.actor, v.created_at AS createdAt,
    v.warned_at AS warnedAt, v.reported_at AS reportedAt
  FROM violations v JOIN persons p ON p.id = v.person_id`;

export function recordViolation(ctx: DirectoryContext, address: string, reason: string, options: ViolationOptions): ViolationView {
  const why = cleanText(reason, 'the reason (--reason)');
  const actor = options.actor ?? 'system';
  return runChange(ctx, () => {
    const person = requirePerson(ctx, address);
    const { lastInsertRowid } = ctx.db
      .prepare('INSERT INTO violations (person_id, reason, serious, source, actor, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(person.id, why, options.serious ? 1 : 0, options.source, actor, ctx.now().toISOString());
    const view = toView(ctx, ctx.db.prepare<[number | bigint], ViolationRow>(`${SELECT} WHERE v.id = ?`).get(lastInsertRowid)!);
    ctx.auditLog.write({ actor, action: 'violation.add', subject: view.person, after: view });
    return { result: view, changed: [] };
  });
}

export function listViolations(ctx: DirectoryContext, address?: string): ViolationView[] {
  const rows =
    address === undefined
      ? ctx.db.prepare<[], ViolationRow>(`${SELECT} ORDER BY v.id`).all()
      : ctx.db.prepare<[number], ViolationRow>(`${SELECT} WHERE v.person_id = ? ORDER BY v.id`).all(requirePerson(ctx, address).id);
  return rows.map((row) => toView(ctx, row));
}

function toView(ctx: DirectoryContext, row: ViolationRow): ViolationView {
  return {
    id: row.id,
    person: ctx.records.accountOf(row),
    reason: row.reason,
    serious: row.serious === 1,
    source: row.source,
    actor: row.actor,
    createdAt: row.createdAt,
    warnedAt: row.warnedAt,
    reportedAt: row.reportedAt,
  };
}
