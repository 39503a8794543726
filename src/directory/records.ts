import type { Db } from '../store/index.js';
import type { AccountId } from '../store/index.js';
import { accountOf } from './address.js';

/** Rows of the directory tables, read through prepared statements (the only SELECTs of the module). */

export interface UnitRecord {
  readonly id: number;
  readonly localPart: string;
  readonly name: string;
  readonly parentId: number | null;
  readonly headPersonId: number | null;
  readonly status: 'active' | 'suspended';
  readonly suspendedReason: string | null;
  readonly seenMode: 'shared' | 'private';
  readonly createdAt: string;
}

export interface PersonRecord {
  readonly id: number;
  readonly localPart: string;
  readonly fullName: string;
  readonly unitId: number;
  readonly title: string | null;
  readonly phone: string | null;
  readonly status: 'active' | 'retired';
  readonly retiredAt: string | null;
  readonly passwordHash: string;
  readonly previousPasswordHash: string | null;
  readonly mustChangePassword: boolean;
  readonly credentialVersion: number;
  readonly createdAt: string;
}

export interface DelegationRecord {
  readonly unitId: number;
  readonly personId: number;
  readonly rights: string;
  readonly sendAs: boolean;
  readonly grantedDoc: string;
  readonly grantedBy: string;
  readonly grantedAt: string;
}

export type AddressKind = 'person' | 'unit' | 'alias' | 'reserved';

export interface AddressRecord {
  readonly localPart: string;
  readonly kind: AddressKind;
  readonly target: string | null;
}

const UNIT_COLUMNS = `id, local_part AS localPart, name, parent_id AS parentId, head_person_id AS headPersonId, status,
  suspended_reason AS suspendedReason, seen_mode AS seenMode, created_at AS createdAt`;
const PERSON_COLUMNS = `id, local_part AS localPart, full_name AS fullName, unit_id AS unitId, title, phone, status,
  retired_at AS retiredAt, password_hash AS passwordHash, previous_password_hash AS previousPasswordHash,
  must_change_password AS mustChangePassword, credential_version AS credentialVersion, created_at AS createdAt`;
const DELEGATION_COLUMNS = `unit_id AS unitId, person_id AS personId, rights, send_as AS sendAs, granted_doc AS grantedDoc,
  granted_by AS grantedBy, granted_at AS grantedAt`;

type Raw<T> = { [K in keyof T]: T[K] extends boolean ? number : T[K] };

const person = (row: Raw<PersonRecord>): PersonRecord => ({ ...row, mustChangePassword: row.mustChangePassword === 1 });
const delegation = (row: Raw<DelegationRecord>): DelegationRecord => ({ ...row, sendAs: row.sendAs === 1 });

export class DirectoryRecords {
  private readonly statements;

  constructor(
    db: Db,
    private readonly primaryDomain: string,
  ) {
    this.statements = {
      address: db.prepare<[string], AddressRecord>('SELECT local_part AS localPart, kind, target FROM addresses WHERE local_part = ?'),
      unitByLocal: db.prepare<[string], UnitRecord>(`SELECT ${UNIT_COLUMNS} FROM units WHERE local_part = ?`),
      unitById: db.prepare<[number], UnitRecord>(`SELECT ${UNIT_COLUMNS} FROM units WHERE id = ?`),
      units: db.prepare<[], UnitRecord>(`SELECT ${UNIT_COLUMNS} FROM units ORDER BY local_part`),
      unitsHeadedBy: db.prepare<[number], UnitRecord>(`SELECT ${UNIT_COLUMNS} FROM units WHERE head_person_id = ? ORDER BY local_part`),
      personByLocal: db.prepare<[string], Raw<PersonRecord>>(`SELECT ${PERSON_COLUMNS} FROM persons WHERE local_part = ?`),
      personById: db.prepare<[number], Raw<PersonRecord>>(`SELECT ${PERSON_COLUMNS} FROM persons WHERE id = ?`),
      persons: db.prepare<[], Raw<PersonRecord>>(`SELECT ${PERSON_COLUMNS} FROM persons ORDER BY local_part`),
      personsOfUnit: db.prepare<[number], Raw<PersonRecord>>(`SELECT ${PERSON_COLUMNS} FROM persons WHERE unit_id = ? ORDER BY local_part`),
      delegation: db.prepare<[number, number], Raw<DelegationRecord>>(
        `SELECT ${DELEGATION_COLUMNS} FROM delegations WHERE unit_id = ? AND person_id = ?`,
      ),
      delegationsOfUnit: db.prepare<[number], Raw<DelegationRecord>>(
        `SELECT ${DELEGATION_COLUMNS} FROM delegations WHERE unit_id = ? ORDER BY granted_at, person_id`,
      ),
      delegationsOfPerson: db.prepare<[number], Raw<DelegationRecord>>(
        `SELECT ${DELEGATION_COLUMNS} FROM delegations WHERE person_id = ? ORDER BY unit_id`,
      ),
    };
  }

  address(localPart: string): AddressRecord | null {
    return this.statements.address.get(localPart) ?? null;
  }

  unitByLocal(localPart: string): UnitRecord | null {
    return this.statements.unitByLocal.get(localPart) ?? null;
  }

  unitById(id: number): UnitRecord | null {
    return this.statements.unitById.get(id) ?? null;
  }

  units(): UnitRecord[] {
    return this.statements.units.all();
  }

  unitsHeadedBy(personId: number): UnitRecord[] {
    return this.statements.unitsHeadedBy.all(personId);
  }

  personByLocal(localPart: string): PersonRecord | null {
    const row = this.statements.personByLocal.get(localPart);
    return row ? person(row) : null;
  }

  personById(id: number): PersonRecord | null {
    const row = this.statements.personById.get(id);
    return row ? person(row) : null;
  }

  persons(unitId?: number): PersonRecord[] {
    const rows = unitId === undefined ? this.statements.persons.all() : this.statements.personsOfUnit.all(unitId);
    return rows.map(person);
  }

  delegation(unitId: number, personId: number): DelegationRecord | null {
    const row = this.statements.delegation.get(unitId, personId);
    return row ? delegation(row) : null;
  }

  delegationsOfUnit(unitId: number): DelegationRecord[] {
    return this.statements.delegationsOfUnit.all(unitId).map(delegation);
  }

  delegationsOfPerson(personId: number): DelegationRecord[] {
    return this.statements.delegationsOfPerson.all(personId).map(delegation);
  }

  accountOf(record: { readonly localPart: string }): AccountId {
    return accountOf(record.localPart, this.primaryDomain);
  }
}
