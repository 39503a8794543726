import type { AccountId } from '../store/index.js';
import { requireActivePerson, requireUnit, type ChangeRequest, type DirectoryContext } from './context.js';
import { grantDelegation, revokeDelegation } from './delegations.js';
import type { UnitRecord } from './records.js';
import { normalizeRights } from './rights.js';
import { ALL_RIGHTS, DirectoryError, type Rights } from './types.js';

/**
 * The RFC 4314 access control list of a unit's mailboxes, as IMAP GETACL/SETACL/DELETEACL see it.
 *
 * Decision (docs/architecture.md "Unit mailboxes"): the ACL belongs to the unit account, not to each folder. The regulation
 * hands "the unit's mailbox" to a staff member, the CLI grants on the unit, and one record per
 * (unit, person) keeps `delegate list` the whole truth. So SETACL on any `Shared/<unit>/…` folder
 * changes the person's rights on every folder of the unit, and it does so through
 * grantDelegation/revokeDelegation: the same delegation row and the same `delegate.grant` /
 * `delegate.revoke` audit rows as `cantho-mail delegate grant|revoke`. The head of the unit holds
 * every right by being head, not by an ACL entry, and cannot be changed here.
 */

export interface AclEntry {
  /** The person's address (RFC 4314 §2 identifier). */
  readonly identifier: AccountId;
  readonly rights: Rights;
}

/** RFC 4314 §3.1: rights replaced, or with a leading "+" / "-" added to or removed from; §3.2 DELETEACL removes the entry. */
export type AclChange = { readonly kind: 'set' | 'add' | 'remove'; readonly rights: string } | { readonly kind: 'delete' };

/** The ACL of a unit's mailboxes: the head (every right) first, then delegates by address. */
export function unitAcl(ctx: DirectoryContext, unit: UnitRecord): AclEntry[] {
  const entries: AclEntry[] = [];
  const head = unit.headPersonId === null ? null : ctx.records.personById(unit.headPersonId);
  if (head) entries.push({ identifier: ctx.records.accountOf(head), rights: ALL_RIGHTS });
  const delegates = ctx.records
    .delegationsOfUnit(unit.id)
    .filter((d) => d.personId !== unit.headPersonId)
    .map((d) => ({ identifier: ctx.records.accountOf(ctx.records.personById(d.personId)!), rights: d.rights }))
    .sort((a, b) => a.identifier.localeCompare(b.identifier));
  return [...entries, ...delegates];
}

/**
 * SETACL / DELETEACL on a unit's mailboxes. The caller has checked that `request.actor` holds
 * "a" there. DirectoryError for an identifier that is not an active person of ours
 * ('unknown-person', 'already-retired'), for the head ('invalid-input') and for unknown rights
 * letters ('invalid-rights').
 */
export function changeUnitAcl(ctx: DirectoryContext, unitAddress: string, identifier: string, change: AclChange, request: ChangeRequest): void {
  const unit = requireUnit(ctx, unitAddress);
  const person = requireActivePerson(ctx, identifier);
  const personAddress = ctx.records.accountOf(person);
  if (unit.headPersonId === person.id) {
    throw new DirectoryError('invalid-input', `${personAddress} heads ${ctx.records.accountOf(unit)} and holds every right`);
  }
  const existing = ctx.records.delegation(unit.id, person.id);
  const current = new Set(existing?.rights ?? '');
  let wanted: Set<string>;
  if (change.kind === 'delete') wanted = new Set();
  else {
    // Validates every letter (RFC 2086 "c"/"d" included) even when the result is empty.
    const letters = change.rights === '' ? new Set<string>() : new Set(normalizeRights(change.rights));
    if (change.kind === 'set') wanted = letters;
    else if (change.kind === 'add') wanted = new Set([...current, ...letters]);
    else wanted = new Set([...current].filter((r) => !letters.has(r)));
  }
  const rights = [...ALL_RIGHTS].filter((r) => wanted.has(r)).join('');
  if (rights === (existing?.rights ?? '')) return;
  // RFC 4314 §3.1: SETACL with no rights left is the same as DELETEACL.
  if (rights === '') revokeDelegation(ctx, unitAddress, personAddress, request);
  else grantDelegation(ctx, { unit: unitAddress, person: personAddress, rights, sendAs: existing?.sendAs ?? false }, request);
}
