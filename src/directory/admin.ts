import type { ChangeRequest, DirectoryContext } from './context.js';
import { grantDelegation, listDelegations, revokeDelegation, type GrantInput } from './delegations.js';
import { addPerson, addPersons, importPasswordHash, listPersons, resetPassword, retirePerson, showPerson, transferPerson, type PasswordIssued, type PersonDetails, type PersonInput } from './persons.js';
import { setUnitDiligence, unitDiligence, type DiligenceChange, type DiligenceUnit } from './unit-diligence.js';
import { addUnit, listUnits, resumeUnit, setSeenMode, setUnitHead, suspendUnit, type UnitInput } from './units.js';
import type { DelegationView, PersonView, UnitView } from './views.js';
import { listViolations, type ViolationView } from './violations.js';

/**
 * The admin's directory operations (DESIGN.md "CLI": unit, person, delegate, violation), each one
 * transaction of the lifecycle function it names, refused with a DirectoryError. Callers outside
 * src/directory get them here rather than the database handle, so every change goes through the
 * same checks, audit rows and 'changed' events.
 */
export class DirectoryAdmin {
  constructor(private readonly ctx: DirectoryContext) {}

  addUnit(input: UnitInput, request: ChangeRequest): Promise<UnitView> {
    return addUnit(this.ctx, input, request);
  }

  setUnitHead(unit: string, head: string, request: ChangeRequest): UnitView {
    return setUnitHead(this.ctx, unit, head, request);
  }

  setSeenMode(unit: string, mode: string, request: ChangeRequest): UnitView {
    return setSeenMode(this.ctx, unit, mode, request);
  }

  suspendUnit(unit: string, reason: string, request: ChangeRequest): UnitView {
    return suspendUnit(this.ctx, unit, reason, request);
  }

  resumeUnit(unit: string, request: ChangeRequest): UnitView {
    return resumeUnit(this.ctx, unit, request);
  }

  listUnits(): UnitView[] {
    return listUnits(this.ctx);
  }

  unitDiligence(unit: string): DiligenceUnit {
    return unitDiligence(this.ctx, unit);
  }

  setUnitDiligence(unit: string, change: DiligenceChange, request: ChangeRequest): DiligenceUnit {
    return setUnitDiligence(this.ctx, unit, change, request);
  }

  addPerson(input: PersonInput, request: ChangeRequest): Promise<PasswordIssued> {
    return addPerson(this.ctx, input, request);
  }

  /** A roster in one transaction: one commit, and none added if one is refused. */
  addPersons(inputs: readonly PersonInput[], request: ChangeRequest): Promise<PasswordIssued[]> {
    return addPersons(this.ctx, inputs, request);
  }

  /** An argon2id hash carried over from the system being replaced; the person keeps their password. */
  importPasswordHash(person: string, hash: string, request: ChangeRequest): PersonView {
    return importPasswordHash(this.ctx, person, hash, request);
  }

  transferPerson(person: string, unit: string, request: ChangeRequest): PersonView {
    return transferPerson(this.ctx, person, unit, request);
  }

  retirePerson(person: string, request: ChangeRequest): PersonView {
    return retirePerson(this.ctx, person, request);
  }

  resetPassword(person: string, newPassword: string | undefined, request: ChangeRequest): Promise<PasswordIssued> {
    return resetPassword(this.ctx, person, newPassword, request);
  }

  showPerson(person: string): PersonDetails {
    return showPerson(this.ctx, person);
  }

  listPersons(unit?: string): PersonView[] {
    return listPersons(this.ctx, unit);
  }

  grantDelegation(input: GrantInput, request: ChangeRequest): DelegationView {
    return grantDelegation(this.ctx, input, request);
  }

  revokeDelegation(unit: string, person: string, request: ChangeRequest): DelegationView {
    return revokeDelegation(this.ctx, unit, person, request);
  }

  listDelegations(unit: string): DelegationView[] {
    return listDelegations(this.ctx, unit);
  }

  /** Violations of Điều 10, all or one person's; Directory.recordViolation records one. */
  listViolations(person?: string): ViolationView[] {
    return listViolations(this.ctx, person);
  }
}
