import type { AccountId } from '../store/index.js';
import { toLocalPart } from './address.js';
import {
  cleanText,
  requireActivePerson,
  requireDoc,
  requireFreeAddress,
  requireUnit,
  runChange,
  type ChangeRequest,
  type DirectoryContext,
} from './context.js';
import type { UnitRecord } from './records.js';
import { DirectoryError } from './types.js';
import { delegationView, unitView, type DelegationView, type UnitView } from './views.js';

/** Units (cơ quan, phòng ban): an admin-chosen tên_sd, a head, suspension for serious violations. */

export interface UnitInput {
  /** tên_sd, e.g. `vpubnd`. */
  readonly localPart: string;
  readonly name: string;
  readonly parent?: string | undefined;
  readonly head?: string | undefined;
}

export async function addUnit(ctx: DirectoryContext, input: UnitInput, request: ChangeRequest): Promise<UnitView> {
  const doc = requireDoc(request.doc);
  const localPart = toLocalPart(input.localPart);
  const name = cleanText(input.name, 'the unit name');
  const unit = runChange(ctx, () => {
    requireFreeAddress(ctx, localPart);
    const parent = input.parent === undefined ? null : requireUnit(ctx, input.parent);
    const head = input.head === undefined ? null : requireActivePerson(ctx, input.head);
    const now = ctx.now().toISOString();
    ctx.db.prepare(`INSERT INTO addresses (local_part, kind, created_at) VALUES (?, 'unit', ?)`).run(localPart, now);
    ctx.db
      .prepare(
        `INSERT INTO units (local_part, name, parent_id, head_person_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(localPart, name, parent?.id ?? null, head?.id ?? null, now, now);
    const after = unitView(ctx.records, ctx.records.unitByLocal(localPart)!);
    ctx.auditLog.write({ actor: request.actor, action: 'unit.add', subject: after.address, doc, before: null, after });
    return { result: after, changed: [after.address] };
  });
  // After the directory's commit, as addPerson does.
  await ctx.accounts.ensureAccount(unit.address);
  return unit;
}

export function setUnitHead(ctx: DirectoryContext, unitAddress: string, headAddress: string, request: ChangeRequest): UnitView {
  const doc = requireDoc(request.doc);
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, unitAddress);
    const head = requireActivePerson(ctx, headAddress);
    if (unit.headPersonId === head.id) {
      throw new DirectoryError('invalid-input', `${ctx.records.accountOf(head)} is already the head of ${ctx.records.accountOf(unit)}`);
    }
    const before = unitView(ctx.records, unit);
    ctx.db.prepare('UPDATE units SET head_person_id = ?, updated_at = ? WHERE id = ?').run(head.id, ctx.now().toISOString(), unit.id);
    const after = unitView(ctx.records, ctx.records.unitById(unit.id)!);
    ctx.auditLog.write({ actor: request.actor, action: 'unit.set-head', subject: after.address, doc, before, after });
    return { result: after, changed: [after.address, ...(before.head ? [before.head] : []), ctx.records.accountOf(head)] };
  });
}

/** docs/architecture.md "Unit mailboxes", seen mode: one \Seen for the team ('shared', the default) or each delegate their own ('private'). */
export type SeenMode = UnitRecord['seenMode'];
export const SEEN_MODES: readonly SeenMode[] = ['shared', 'private'];

export function setSeenMode(ctx: DirectoryContext, unitAddress: string, mode: string, request: ChangeRequest): UnitView {
  const doc = requireDoc(request.doc);
  const seenMode = SEEN_MODES.find((m) => m === mode);
  if (!seenMode) throw new DirectoryError('invalid-input', `seen mode must be "shared" or "private", not ${JSON.stringify(mode)}`);
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, unitAddress);
    if (unit.seenMode === seenMode) throw new DirectoryError('invalid-input', `${ctx.records.accountOf(unit)} already has seen mode ${seenMode}`);
    const before = unitView(ctx.records, unit);
    ctx.db.prepare('UPDATE units SET seen_mode = ?, updated_at = ? WHERE id = ?').run(seenMode, ctx.now().toISOString(), unit.id);
    const after = unitView(ctx.records, ctx.records.unitById(unit.id)!);
    ctx.auditLog.write({ actor: request.actor, action: 'unit.set-seen', subject: after.address, doc, before, after });
    return { result: after, changed: [after.address, ...affectedBy(ctx, unit)] };
  });
}

/** Điều 10: a serious violation suspends the whole unit's logins and sending (docs/architecture.md "Violations (Điều 10)"). */
export function suspendUnit(ctx: DirectoryContext, unitAddress: string, reason: string, request: ChangeRequest): UnitView {
  const doc = requireDoc(request.doc);
  const why = cleanText(reason, 'the reason (--reason)');
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, unitAddress);
    if (unit.status === 'suspended') throw new DirectoryError('invalid-input', `${ctx.records.accountOf(unit)} is already suspended`);
    return changeStatus(ctx, unit, 'suspended', why, doc, request.actor);
  });
}

export function resumeUnit(ctx: DirectoryContext, unitAddress: string, request: ChangeRequest): UnitView {
  const doc = requireDoc(request.doc);
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, unitAddress);
    if (unit.status === 'active') throw new DirectoryError('invalid-input', `${ctx.records.accountOf(unit)} is not suspended`);
    return changeStatus(ctx, unit, 'active', null, doc, request.actor);
  });
}

function changeStatus(
  ctx: DirectoryContext,
  unit: UnitRecord,
  status: UnitRecord['status'],
  reason: string | null,
  doc: string,
  actor: string,
): { result: UnitView; changed: AccountId[] } {
  const before = unitView(ctx.records, unit);
  ctx.db
    .prepare('UPDATE units SET status = ?, suspended_reason = ?, updated_at = ? WHERE id = ?')
    .run(status, reason, ctx.now().toISOString(), unit.id);
  const after = unitView(ctx.records, ctx.records.unitById(unit.id)!);
  ctx.auditLog.write({ actor, action: status === 'suspended' ? 'unit.suspend' : 'unit.resume', subject: after.address, doc, before, after });
  return { result: after, changed: [after.address, ...affectedBy(ctx, unit)] };
}

/** Everyone whose sessions a unit's state reaches: members, head and delegates. */
function affectedBy(ctx: DirectoryContext, unit: UnitRecord): AccountId[] {
  const ids = new Set<number>(ctx.records.persons(unit.id).map((p) => p.id));
  if (unit.headPersonId !== null) ids.add(unit.headPersonId);
  for (const delegation of ctx.records.delegationsOfUnit(unit.id)) ids.add(delegation.personId);
  return [...ids].map((id) => ctx.records.accountOf(ctx.records.personById(id)!));
}

export interface UnitDetails extends UnitView {
  readonly members: AccountId[];
  readonly delegations: DelegationView[];
}

export function showUnit(ctx: DirectoryContext, unitAddress: string): UnitDetails {
  const unit = requireUnit(ctx, unitAddress);
  return {
    ...unitView(ctx.records, unit),
    members: ctx.records.persons(unit.id).map((p) => ctx.records.accountOf(p)),
    delegations: ctx.records.delegationsOfUnit(unit.id).map((d) => delegationView(ctx.records, d)),
  };
}

export function listUnits(ctx: DirectoryContext): UnitView[] {
  return ctx.records.units().map((unit) => unitView(ctx.records, unit));
}
