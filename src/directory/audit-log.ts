import type { Db } from '../store/index.js';
import type { AuditEntry } from './types.js';

/**
 * The audit log (DESIGN.md "Lifecycle": actor, time, document reference, before/after). Written
 * in the same transaction as the change it describes, so a change without its row cannot exist.
 */

export interface AuditRecord extends AuditEntry {
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface AuditRow {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly doc: string | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly detail: unknown;
}

export interface AuditQuery {
  /** Full address of a person or unit. */
  readonly subject?: string;
  /** ISO time; rows at or after it. */
  readonly since?: string;
}

interface RawAuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  doc: string | null;
  before_json: string | null;
  after_json: string | null;
  detail_json: string | null;
}

export class AuditLog {
  private readonly insert;
  private readonly select;
  private readonly selectLastAction;

  constructor(
    db: Db,
    private readonly now: () => Date,
  ) {
    this.insert = db.prepare(
      `INSERT INTO audit_log (at, actor, action, subject, doc, before_json, after_json, detail_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.select = db.prepare<[{ subject: string | null; since: string | null }], RawAuditRow>(
      `SELECT * FROM audit_log
       WHERE (@subject IS NULL OR subject = @subject) AND (@since IS NULL OR at >= @since)
       ORDER BY id`,
    );
    this.selectLastAction = db
      .prepare<[string, string], string>(`SELECT action FROM audit_log WHERE subject = ? AND action LIKE ? ORDER BY id DESC LIMIT 1`)
      .pluck();
  }

  /** The latest action about `subject` among those starting with `prefix` ("quota."), or null. */
  lastAction(subject: string, prefix: string): string | null {
    return this.selectLastAction.get(subject, `${prefix}%`) ?? null;
  }

  write(record: AuditRecord): void {
    this.insert.run(
      this.now().toISOString(),
      record.actor,
      record.action,
      record.subject,
      record.doc ?? null,
      json(record.before),
      json(record.after),
      json(record.detail),
    );
  }

  query(filter: AuditQuery = {}): AuditRow[] {
    return this.select.all({ subject: filter.subject ?? null, since: filter.since ?? null }).map((row) => ({
      id: row.id,
      at: row.at,
      actor: row.actor,
      action: row.action,
      subject: row.subject,
      doc: row.doc,
      before: parse(row.before_json),
      after: parse(row.after_json),
      detail: parse(row.detail_json),
    }));
  }
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parse(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
