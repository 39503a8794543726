import type { AccountId } from '../store/index.js';
import { toLocalPart, type LocalPart } from './address.js';
import {
  cleanText,
  requireActivePerson,
  requireDoc,
  requireFreeAddress,
  requirePerson,
  requireUnit,
  runChange,
  type ChangeRequest,
  type DirectoryContext,
} from './context.js';
import { endDelegationsOf } from './delegations.js';
import { firstFreeLocalPart, localPartFromName, parsePersonName, type PersonName } from './naming.js';
import { checkNewPassword, checkPasswordHash, generatePassword, hashPassword, writePasswordHash } from './password.js';
import type { PersonRecord } from './records.js';
import { foldVietnamese } from '../text/index.js';
import { DirectoryError } from './types.js';
import { delegationView, personView, type DelegationView, type PersonView } from './views.js';

/** Persons (cán bộ, công chức): add, transfer, retire, password reset (DESIGN.md "Lifecycle"). */

export interface PersonInput {
  readonly name: string;
  /** tên_sd or address of the unit. */
  readonly unit: string;
  /** Explicit tên_sd instead of the generated one; validated the same way. */
  readonly address?: string | undefined;
  readonly title?: string | undefined;
  readonly phone?: string | undefined;
  /** From `--password-stdin`; generated when absent. */
  readonly password?: string | undefined;
}

export interface PasswordIssued {
  readonly person: PersonView;
  /** The generated password, shown once; null when the admin gave one. */
  readonly password: string | null;
}

/** Digits, spaces and the usual separators: `0292 3820 123`, `+84 292 382 0123`, `(0292) 382.0123`. */
const PHONE = /^\+?[0-9 ().-]{3,30}$/;

/** A new person checked and hashed before the transaction: argon2 is async and slow, the transaction must stay synchronous and short. */
interface PreparedPerson {
  readonly input: PersonInput;
  readonly name: PersonName;
  readonly explicit: LocalPart | null;
  readonly title: string | null;
  readonly phone: string | null;
  readonly hash: string;
  readonly generated: string | null;
}

async function preparePerson(ctx: DirectoryContext, input: PersonInput): Promise<PreparedPerson> {
  const name = parsePersonName(input.name);
  requireUnit(ctx, input.unit);
  const explicit = input.address === undefined ? null : toLocalPart(input.address);
  if (explicit) requireFreeAddress(ctx, explicit);
  const title = input.title === undefined ? null : cleanText(input.title, 'the title');
  const phone = input.phone === undefined ? null : checkPhone(input.phone);
  const generated = input.password === undefined ? generatePassword() : null;
  const password = input.password ?? generated!;
  checkNewPassword(password);
  const hash = await hashPassword(password, ctx.argon2);
  return { input, name, explicit, title, phone, hash, generated };
}

/** Inside a change's transaction: the address is checked again, since another change may have taken it meanwhile. */
function insertPerson(ctx: DirectoryContext, prepared: PreparedPerson, actor: string, doc: string): PersonView {
  const unit = requireUnit(ctx, prepared.input.unit);
  let localPart: LocalPart;
  if (prepared.explicit) {
    requireFreeAddress(ctx, prepared.explicit);
    localPart = prepared.explicit;
  } else {
    localPart = firstFreeLocalPart(localPartFromName(prepared.name, ctx.config.naming.person), (c) => ctx.records.address(c) !== null);
  }
  const now = ctx.now().toISOString();
  ctx.db.prepare(`INSERT INTO addresses (local_part, kind, created_at) VALUES (?, 'person', ?)`).run(localPart, now);
  ctx.db
    .prepare(
      `INSERT INTO persons (local_part, full_name, name_folded, unit_id, title, phone, password_hash, must_change_password,
         password_changed_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    )
    .run(localPart, prepared.name.display, foldVietnamese(prepared.name.display), unit.id, prepared.title, prepared.phone, prepared.hash, now, now, now);
  const after = personView(ctx.records, ctx.records.personByLocal(localPart)!);
  ctx.auditLog.write({ actor, action: 'person.add', subject: after.address, doc, before: null, after });
  return after;
}

export async function addPerson(ctx: DirectoryContext, input: PersonInput, request: ChangeRequest): Promise<PasswordIssued> {
  const doc = requireDoc(request.doc);
  const prepared = await preparePerson(ctx, input);
  const person = runChange(ctx, () => {
    const after = insertPerson(ctx, prepared, request.actor, doc);
    return { result: after, changed: [after.address] };
  });
  // After the directory's commit: the store may be another database (docs/architecture.md "Store");
  // a login or a delivery creates the folders again if this write fails.
  await ctx.accounts.ensureAccount(person.address);
  return { person, password: prepared.generated };
}

/**
 * A roster added at once (the officials of a whole department at go-live): one transaction, so
 * one commit for all of them, and none is added if one is refused.
 */
export async function addPersons(ctx: DirectoryContext, inputs: readonly PersonInput[], request: ChangeRequest): Promise<PasswordIssued[]> {
  const doc = requireDoc(request.doc);
  const prepared: PreparedPerson[] = [];
  for (const input of inputs) prepared.push(await preparePerson(ctx, input));
  const persons = runChange(ctx, () => {
    const added = prepared.map((person) => insertPerson(ctx, person, request.actor, doc));
    return { result: added, changed: added.map((person) => person.address) };
  });
  for (const person of persons) await ctx.accounts.ensureAccount(person.address);
  return persons.map((person, i) => ({ person, password: prepared[i]!.generated }));
}

export function transferPerson(ctx: DirectoryContext, address: string, unitAddress: string, request: ChangeRequest): PersonView {
  const doc = requireDoc(request.doc);
  return runChange(ctx, () => {
    const person = requireActivePerson(ctx, address);
    const unit = requireUnit(ctx, unitAddress);
    if (person.unitId === unit.id) {
      throw new DirectoryError('invalid-input', `${ctx.records.accountOf(person)} is already in ${ctx.records.accountOf(unit)}`);
    }
    const before = personView(ctx.records, person);
    const ended = leavePosts(ctx, person, doc, request.actor, 'transfer');
    ctx.db.prepare('UPDATE persons SET unit_id = ?, updated_at = ? WHERE id = ?').run(unit.id, ctx.now().toISOString(), person.id);
    const after = personView(ctx.records, ctx.records.personById(person.id)!);
    ctx.auditLog.write({ actor: request.actor, action: 'person.transfer', subject: after.address, doc, before, after });
    return { result: after, changed: [after.address, ...ended] };
  });
}

/** Login refused from now on; the address stays taken while the mailbox exists (DESIGN.md "Lifecycle"). */
export function retirePerson(ctx: DirectoryContext, address: string, request: ChangeRequest): PersonView {
  const doc = requireDoc(request.doc);
  return runChange(ctx, () => {
    const person = requireActivePerson(ctx, address);
    const before = personView(ctx.records, person);
    const ended = leavePosts(ctx, person, doc, request.actor, 'retire');
    const now = ctx.now().toISOString();
    ctx.db.prepare(`UPDATE persons SET status = 'retired', retired_at = ?, updated_at = ? WHERE id = ?`).run(now, now, person.id);
    const after = personView(ctx.records, ctx.records.personById(person.id)!);
    ctx.auditLog.write({ actor: request.actor, action: 'person.retire', subject: after.address, doc, before, after });
    return { result: after, changed: [after.address, ...ended] };
  });
}

/**
 * A person who leaves a unit or the service stops heading units and loses their delegations,
 * recorded with the same document reference. Returns the units concerned.
 */
function leavePosts(ctx: DirectoryContext, person: PersonRecord, doc: string, actor: string, because: string): AccountId[] {
  const units = endDelegationsOf(ctx, person, doc, actor, because);
  for (const unit of ctx.records.unitsHeadedBy(person.id)) {
    const before = ctx.records.accountOf(unit);
    ctx.db.prepare('UPDATE units SET head_person_id = NULL, updated_at = ? WHERE id = ?').run(ctx.now().toISOString(), unit.id);
    ctx.auditLog.write({
      actor,
      action: 'unit.set-head',
      subject: before,
      doc,
      before: { head: ctx.records.accountOf(person) },
      after: { head: null },
      detail: { because },
    });
    units.push(before);
  }
  return units;
}

/**
 * A new password that must be changed before use (docs/architecture.md "Password lifecycle"); the credential version grows so
 * sessions opened with the old one end at their next command (revalidate).
 */
export async function resetPassword(
  ctx: DirectoryContext,
  address: string,
  newPassword: string | undefined,
  request: ChangeRequest,
): Promise<PasswordIssued> {
  requireActivePerson(ctx, address);
  const generated = newPassword === undefined ? generatePassword() : null;
  const password = newPassword ?? generated!;
  checkNewPassword(password);
  const hash = await hashPassword(password, ctx.argon2);
  const person = runChange(ctx, () => {
    const current = requireActivePerson(ctx, address);
    writePasswordHash(ctx, current.id, hash, { mustChange: true });
    const after = personView(ctx.records, ctx.records.personById(current.id)!);
    ctx.auditLog.write({
      actor: request.actor,
      action: 'person.password-reset',
      subject: after.address,
      doc: request.doc?.trim() || null,
      detail: { generated: generated !== null },
    });
    return { result: after, changed: [after.address] };
  });
  return { person, password: generated };
}

/**
 * An official's argon2id hash carried over from the mail system being replaced, so they keep their
 * password (no change asked); the credential version grows as for any new password.
 */
export function importPasswordHash(ctx: DirectoryContext, address: string, hash: string, request: ChangeRequest): PersonView {
  requireActivePerson(ctx, address);
  checkPasswordHash(hash);
  return runChange(ctx, () => {
    const current = requireActivePerson(ctx, address);
    writePasswordHash(ctx, current.id, hash, { mustChange: false });
    const after = personView(ctx.records, ctx.records.personById(current.id)!);
    ctx.auditLog.write({ actor: request.actor, action: 'person.password-import', subject: after.address, doc: request.doc?.trim() || null });
    return { result: after, changed: [after.address] };
  });
}

export interface PersonDetails extends PersonView {
  readonly headOf: AccountId[];
  readonly delegations: DelegationView[];
}

export function showPerson(ctx: DirectoryContext, address: string): PersonDetails {
  const person = requirePerson(ctx, address);
  return {
    ...personView(ctx.records, person),
    headOf: ctx.records.unitsHeadedBy(person.id).map((u) => ctx.records.accountOf(u)),
    delegations: ctx.records.delegationsOfPerson(person.id).map((d) => delegationView(ctx.records, d)),
  };
}

export function listPersons(ctx: DirectoryContext, unitAddress?: string): PersonView[] {
  const unitId = unitAddress === undefined ? undefined : requireUnit(ctx, unitAddress).id;
  return ctx.records.persons(unitId).map((p) => personView(ctx.records, p));
}

function checkPhone(phone: string): string {
  const clean = phone.trim();
  if (!PHONE.test(clean)) throw new DirectoryError('invalid-input', `invalid phone number ${JSON.stringify(phone)}`);
  return clean;
}
