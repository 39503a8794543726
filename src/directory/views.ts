import type { AccountId } from '../store/index.js';
import type { DelegationRecord, DirectoryRecords, PersonRecord, UnitRecord } from './records.js';

/**
 * What the CLI prints, the web page shows and audit rows record as before/after: directory
 * records by address, without password hashes.
 */

export interface UnitView {
  readonly address: AccountId;
  readonly name: string;
  readonly parent: AccountId | null;
  readonly head: AccountId | null;
  readonly status: 'active' | 'suspended';
  readonly suspendedReason: string | null;
  readonly seenMode: 'shared' | 'private';
  readonly createdAt: string;
}

export interface PersonView {
  readonly address: AccountId;
  readonly name: string;
  readonly unit: AccountId;
  readonly title: string | null;
  readonly phone: string | null;
  readonly status: 'active' | 'retired';
  readonly retiredAt: string | null;
  readonly mustChangePassword: boolean;
  readonly createdAt: string;
}

export interface DelegationView {
  readonly unit: AccountId;
  readonly person: AccountId;
  readonly rights: string;
  readonly sendAs: boolean;
  readonly doc: string;
  readonly grantedBy: string;
  readonly grantedAt: string;
}

function addressOfUnit(records: DirectoryRecords, id: number | null): AccountId | null {
  const unit = id === null ? null : records.unitById(id);
  return unit ? records.accountOf(unit) : null;
}

function addressOfPerson(records: DirectoryRecords, id: number | null): AccountId | null {
  const person = id === null ? null : records.personById(id);
  return person ? records.accountOf(person) : null;
}

export function unitView(records: DirectoryRecords, unit: UnitRecord): UnitView {
  return {
    address: records.accountOf(unit),
    name: unit.name,
    parent: addressOfUnit(records, unit.parentId),
    head: addressOfPerson(records, unit.headPersonId),
    status: unit.status,
    suspendedReason: unit.suspendedReason,
    seenMode: unit.seenMode,
    createdAt: unit.createdAt,
  };
}

export function personView(records: DirectoryRecords, person: PersonRecord): PersonView {
  return {
    address: records.accountOf(person),
    name: person.fullName,
    unit: addressOfUnit(records, person.unitId)!,
    title: person.title,
    phone: person.phone,
    status: person.status,
    retiredAt: person.retiredAt,
    mustChangePassword: person.mustChangePassword,
    createdAt: person.createdAt,
  };
}

export function delegationView(records: DirectoryRecords, delegation: DelegationRecord): DelegationView {
  return {
    unit: addressOfUnit(records, delegation.unitId)!,
    person: addressOfPerson(records, delegation.personId)!,
    rights: delegation.rights,
    sendAs: delegation.sendAs,
    doc: delegation.grantedDoc,
    grantedBy: delegation.grantedBy,
    grantedAt: delegation.grantedAt,
  };
}
