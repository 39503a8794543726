import type { AccountId } from '../store/index.js';
import { requireDoc, requireUnit, runChange, type ChangeRequest, type DirectoryContext } from './context.js';
import type { UnitRecord } from './records.js';
import { DirectoryError } from './types.js';

/**
 * Unit mailbox diligence settings (Điều 9.2; docs/architecture.md "Unit mailboxes"): `[units]
 * reminder_hours` and `digest_at`, overridden per unit by `unit diligence` (table unit_diligence,
 * audited `unit.diligence` with the request document).
 */

/** A unit as the diligence job sees it, its settings resolved against `[units]`. */
export interface DiligenceUnit {
  readonly address: AccountId;
  readonly name: string;
  /** The head and the delegates in service: who is reminded, and whose \Seen counts. */
  readonly keepers: readonly AccountId[];
  /** Working hours before a reminder; 0: none. */
  readonly reminderHours: number;
  /** Minutes after local midnight of the digest; null: none. */
  readonly digestAt: number | null;
  /** Whether the unit has its own settings (`unit diligence`) rather than `[units]`'s. */
  readonly ownSettings: boolean;
}

export interface DiligenceChange {
  /** Working hours before a reminder; 0: none for this unit. */
  readonly reminderHours?: number;
  /** Minutes after local midnight; null: no digest for this unit. */
  readonly digestAt?: number | null;
  /** Back to `[units]`'s settings. */
  readonly reset?: boolean;
}

interface OwnSettings {
  readonly reminderHours: number | null;
  readonly digestAt: number | null;
}

const NO_DIGEST = -1;

function ownSettings(ctx: DirectoryContext, unit: UnitRecord): OwnSettings | null {
  const row = ctx.db
    .prepare<[number], { reminder_hours: number | null; digest_at: number | null }>('SELECT reminder_hours, digest_at FROM unit_diligence WHERE unit_id = ?')
    .get(unit.id);
  return row ? { reminderHours: row.reminder_hours, digestAt: row.digest_at } : null;
}

function resolve(ctx: DirectoryContext, unit: UnitRecord): DiligenceUnit {
  const own = ownSettings(ctx, unit);
  const keepers = new Set<AccountId>();
  const head = unit.headPersonId === null ? null : ctx.records.personById(unit.headPersonId);
  if (head?.status === 'active') keepers.add(ctx.records.accountOf(head));
  for (const delegation of ctx.records.delegationsOfUnit(unit.id)) {
    const person = ctx.records.personById(delegation.personId);
    if (person?.status === 'active') keepers.add(ctx.records.accountOf(person));
  }
  const digestAt = own?.digestAt ?? null;
  return {
    address: ctx.records.accountOf(unit),
    name: unit.name,
    keepers: [...keepers],
    reminderHours: own?.reminderHours ?? ctx.config.units.reminder_hours,
    digestAt: digestAt === null ? ctx.config.units.digest_at : digestAt === NO_DIGEST ? null : digestAt,
    ownSettings: own !== null,
  };
}

/** Every active unit with its diligence settings. A suspended unit is left out: its people cannot log in to act. */
export function diligenceUnits(ctx: DirectoryContext): DiligenceUnit[] {
  return ctx.records
    .units()
    .filter((unit) => unit.status === 'active')
    .map((unit) => resolve(ctx, unit));
}

export function unitDiligence(ctx: DirectoryContext, unitAddress: string): DiligenceUnit {
  return resolve(ctx, requireUnit(ctx, unitAddress));
}

export function setUnitDiligence(ctx: DirectoryContext, unitAddress: string, change: DiligenceChange, request: ChangeRequest): DiligenceUnit {
  const doc = requireDoc(request.doc);
  const reset = change.reset === true;
  if (reset === (change.reminderHours !== undefined || change.digestAt !== undefined)) {
    throw new DirectoryError('invalid-input', 'give --hours and/or --digest, or --reset alone');
  }
  if (change.reminderHours !== undefined && !(change.reminderHours >= 0 && change.reminderHours <= 1000)) {
    throw new DirectoryError('invalid-input', `--hours must be between 0 and 1000, not ${change.reminderHours}`);
  }
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, unitAddress);
    const before = resolve(ctx, unit);
    if (reset) {
      ctx.db.prepare('DELETE FROM unit_diligence WHERE unit_id = ?').run(unit.id);
    } else {
      const own = ownSettings(ctx, unit);
      const hours = change.reminderHours ?? own?.reminderHours ?? null;
      const digest = change.digestAt === undefined ? (own?.digestAt ?? null) : (change.digestAt ?? NO_DIGEST);
      ctx.db
        .prepare('INSERT INTO unit_diligence (unit_id, reminder_hours, digest_at) VALUES (?, ?, ?) ON CONFLICT (unit_id) DO UPDATE SET reminder_hours = excluded.reminder_hours, digest_at = excluded.digest_at')
        .run(unit.id, hours, digest);
    }
    const after = resolve(ctx, unit);
    ctx.auditLog.write({ actor: request.actor, action: 'unit.diligence', subject: after.address, doc, before, after });
    return { result: after, changed: [] };
  });
}
