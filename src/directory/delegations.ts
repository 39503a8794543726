import type { AccountId } from '../store/index.js';
import { requireActivePerson, requireDoc, requireUnit, runChange, type ChangeRequest, type DirectoryContext } from './context.js';
import type { PersonRecord } from './records.js';
import { normalizeRights } from './rights.js';
import { DirectoryError } from './types.js';
import { delegationView, type DelegationView } from './views.js';

/**
 * Delegations: a person's RFC 4314 rights on a unit's mailboxes (docs/architecture.md "Unit mailboxes"), granted on a written
 * request. The head of a unit holds every right without a delegation row.
 */

export interface GrantInput {
  readonly unit: string;
  readonly person: string;
  /** Default: config policy.default_delegate_rights. */
  readonly rights?: string | undefined;
  readonly sendAs?: boolean | undefined;
}

export function grantDelegation(ctx: DirectoryContext, input: GrantInput, request: ChangeRequest): DelegationView {
  const doc = requireDoc(request.doc);
  const rights = normalizeRights(input.rights ?? ctx.config.policy.default_delegate_rights);
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, input.unit);
    const person = requireActivePerson(ctx, input.person);
    const existing = ctx.records.delegation(unit.id, person.id);
    ctx.db
      .prepare(
        `INSERT INTO delegations (unit_id, person_id, rights, send_as, granted_doc, granted_by, granted_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (unit_id, person_id) DO UPDATE SET
           rights = excluded.rights, send_as = excluded.send_as, granted_doc = excluded.granted_doc,
           granted_by = excluded.granted_by, granted_at = excluded.granted_at`,
      )
      .run(unit.id, person.id, rights, input.sendAs ? 1 : 0, doc, request.actor, ctx.now().toISOString());
    const after = delegationView(ctx.records, ctx.records.delegation(unit.id, person.id)!);
    ctx.auditLog.write({
      actor: request.actor,
      action: 'delegate.grant',
      subject: after.unit,
      doc,
      before: existing ? delegationView(ctx.records, existing) : null,
      after,
    });
    return { result: after, changed: [after.unit, after.person] };
  });
}

export function revokeDelegation(ctx: DirectoryContext, unitAddress: string, personAddress: string, request: ChangeRequest): DelegationView {
  const doc = requireDoc(request.doc);
  return runChange(ctx, () => {
    const unit = requireUnit(ctx, unitAddress);
    const person = requireActivePerson(ctx, personAddress);
    const existing = ctx.records.delegation(unit.id, person.id);
    if (!existing) {
      throw new DirectoryError('invalid-input', `${ctx.records.accountOf(person)} has no delegation on ${ctx.records.accountOf(unit)}`);
    }
    const before = delegationView(ctx.records, existing);
    ctx.db.prepare('DELETE FROM delegations WHERE unit_id = ? AND person_id = ?').run(unit.id, person.id);
    ctx.auditLog.write({ actor: request.actor, action: 'delegate.revoke', subject: before.unit, doc, before, after: null });
    return { result: before, changed: [before.unit, before.person] };
  });
}

export function listDelegations(ctx: DirectoryContext, unitAddress: string): DelegationView[] {
  const unit = requireUnit(ctx, unitAddress);
  return ctx.records.delegationsOfUnit(unit.id).map((d) => delegationView(ctx.records, d));
}

/**
 * Ends every delegation of a person who is transferred or retired (docs/architecture.md "Unit mailboxes", on record), inside
 * the caller's transaction, each with an audit row carrying the same document reference.
 */
export function endDelegationsOf(ctx: DirectoryContext, person: PersonRecord, doc: string, actor: string, because: string): AccountId[] {
  const ended: AccountId[] = [];
  for (const delegation of ctx.records.delegationsOfPerson(person.id)) {
    const before = delegationView(ctx.records, delegation);
    ctx.db.prepare('DELETE FROM delegations WHERE unit_id = ? AND person_id = ?').run(delegation.unitId, person.id);
    ctx.auditLog.write({ actor, action: 'delegate.revoke', subject: before.unit, doc, before, after: null, detail: { because } });
    ended.push(before.unit);
  }
  return ended;
}
