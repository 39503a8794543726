import type { Config } from '../config/index.js';
import type { MailStore } from '../store/index.js';
import type { Db } from '../store/index.js';
import type { AccountId } from '../store/index.js';
import { requireLocalAddress } from './address.js';
import type { AuditLog } from './audit-log.js';
import type { DirectoryRecords, PersonRecord, UnitRecord } from './records.js';
import { DirectoryError, type Argon2Cost } from './types.js';

/** The store's part in a directory change: every new person or unit gets its default folders. */
export type AccountProvisioner = Pick<MailStore, 'ensureAccount'>;

/** What the lifecycle functions (units.ts, persons.ts, delegations.ts, violations.ts) work with. */
export interface DirectoryContext {
  readonly db: Db;
  readonly config: Config;
  readonly records: DirectoryRecords;
  readonly auditLog: AuditLog;
  readonly accounts: AccountProvisioner;
  readonly now: () => Date;
  readonly argon2: Argon2Cost;
  /** Called after a commit with every account whose state changed (cache, open sessions). */
  readonly changed: (accounts: readonly AccountId[]) => void;
}

/** Who asks for a change and on which written request (DESIGN.md "Lifecycle"). */
export interface ChangeRequest {
  /** A person's address, "cli:<user>", "system". */
  readonly actor: string;
  /** The request document reference (`--doc "123/SNV-TCCB"`). */
  readonly doc?: string | null;
}

const MAX_TEXT = 500;

/** The document reference every directory change carries; DirectoryError 'missing-doc'. */
export function requireDoc(doc: string | null | undefined): string {
  const text = doc?.trim() ?? '';
  if (text === '') throw new DirectoryError('missing-doc', 'missing --doc: every directory change needs the request document reference');
  return cleanText(text, 'the document reference');
}

/** One line of free text (names, titles, reasons): NFC, single spaces, no control characters. */
export function cleanText(text: string, what: string): string {
  const clean = text.normalize('NFC').trim().replace(/\s+/gu, ' ');
  if (clean === '') throw new DirectoryError('invalid-input', `${what} is empty`);
  if (/\p{Cc}/u.test(clean)) throw new DirectoryError('invalid-input', `${what} contains control characters`);
  if (clean.length > MAX_TEXT) throw new DirectoryError('invalid-input', `${what} is longer than ${MAX_TEXT} characters`);
  return clean;
}

export function requireUnit(ctx: DirectoryContext, address: string): UnitRecord {
  const unit = ctx.records.unitByLocal(requireLocalAddress(address, ctx.config.localDomains, 'unit'));
  if (!unit) throw new DirectoryError('unknown-unit', `unknown unit ${JSON.stringify(address)}`);
  return unit;
}

export function requirePerson(ctx: DirectoryContext, address: string): PersonRecord {
  const person = ctx.records.personByLocal(requireLocalAddress(address, ctx.config.localDomains, 'person'));
  if (!person) throw new DirectoryError('unknown-person', `unknown person ${JSON.stringify(address)}`);
  return person;
}

export function requireActivePerson(ctx: DirectoryContext, address: string): PersonRecord {
  const person = requirePerson(ctx, address);
  if (person.status === 'retired') {
    throw new DirectoryError('already-retired', `${ctx.records.accountOf(person)} is retired`);
  }
  return person;
}

/**
 * Runs one change in one IMMEDIATE transaction (the write lock first, so two CLIs never both
 * pass a uniqueness check), then reports the changed accounts after the commit.
 */
export function runChange<T>(ctx: DirectoryContext, change: () => { result: T; changed: readonly AccountId[] }): T {
  const { result, changed } = ctx.db.transaction(change).immediate();
  ctx.changed(changed);
  return result;
}

/** Throws 'address-reserved' or 'address-taken' unless the local part is free. */
export function requireFreeAddress(ctx: DirectoryContext, localPart: string): void {
  const existing = ctx.records.address(localPart);
  if (!existing) return;
  const address = `${localPart}@${ctx.config.server.domain}`;
  if (existing.kind === 'reserved') throw new DirectoryError('address-reserved', `address ${address} is reserved`);
  throw new DirectoryError('address-taken', `address ${address} is already taken`);
}
