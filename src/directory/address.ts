import { asAccountId, type AccountId } from '../store/index.js';
import { DirectoryError } from './types.js';

/**
 * Local parts and addresses (DESIGN.md "Data" → Addresses). Every local part of the domain —
 * persons, units, aliases, reserved names — lives in one namespace, lowercase ASCII.
 */

declare const localPartBrand: unique symbol;
/** A validated local part: `[a-z0-9._-]`, 1–64 chars, no leading, trailing or double dot. */
export type LocalPart = string & { readonly [localPartBrand]: true };

/**
 * Never given to a person or unit. RFC 2142 names the role mailboxes (postmaster, abuse,
 * hostmaster, webmaster); the rest are what mail software and attackers assume exist.
 */
export const RESERVED_LOCAL_PARTS = ['postmaster', 'abuse', 'hostmaster', 'webmaster', 'mailer-daemon', 'noreply', 'root', 'admin'] as const;

/** RFC 5321 §4.5.3.1.1 caps a local part at 64 octets; the dot rules are RFC 5322 §3.4.1 dot-atom. */
export const MAX_LOCAL_PART_LENGTH = 64;

/** Why a candidate is not a local part, or null when it is one. */
export function localPartProblem(candidate: string): string | null {
  if (candidate.length === 0) return 'is empty';
  if (candidate.length > MAX_LOCAL_PART_LENGTH) return `is longer than ${MAX_LOCAL_PART_LENGTH} characters`;
  if (/[^a-z0-9._-]/.test(candidate)) return 'may contain only a-z, 0-9, ".", "_" and "-"';
  if (candidate.startsWith('.') || candidate.endsWith('.')) return 'may not start or end with "."';
  if (candidate.includes('..')) return 'may not contain ".."';
  return null;
}

/**
 * Validates an admin-given tên_sd (`--address`, `unit add <tên_sd>`), in any case (the namespace
 * is case-insensitive); DirectoryError 'invalid-address'.
 */
export function toLocalPart(candidate: string): LocalPart {
  const lowered = candidate.toLowerCase();
  const problem = localPartProblem(lowered);
  if (problem !== null) throw new DirectoryError('invalid-address', `invalid address ${JSON.stringify(candidate)}: ${problem}`);
  return lowered as LocalPart;
}

export function isReserved(localPart: string): boolean {
  return (RESERVED_LOCAL_PARTS as readonly string[]).includes(localPart);
}

/** The canonical account of a local part: always on the primary domain. */
export function accountOf(localPart: string, primaryDomain: string): AccountId {
  return asAccountId(`${localPart}@${primaryDomain}`);
}

/** The local part of a full address we wrote (`annv@cantho.gov.vn` → `annv`). */
export function localPartOf(address: string): string {
  return address.slice(0, address.lastIndexOf('@'));
}

/**
 * Reads `annv`, `AnNV@Cantho.Gov.Vn` or `annv@other-local-domain` as a local part of ours; null
 * when the domain is not local or the local part is not one we could have issued. Login names
 * and recipients are case-insensitive (DESIGN.md "Login names").
 */
export function parseLocalAddress(address: string, localDomains: readonly string[]): LocalPart | null {
  const lowered = address.toLowerCase();
  const at = lowered.lastIndexOf('@');
  const local = at === -1 ? lowered : lowered.slice(0, at);
  if (at !== -1) {
    const domain = lowered.slice(at + 1).replace(/\.$/, '');
    if (!localDomains.includes(domain)) return null;
  }
  return localPartProblem(local) === null ? (local as LocalPart) : null;
}

/** CLI arguments name people and units by tên_sd or full address; DirectoryError when neither. */
export function requireLocalAddress(address: string, localDomains: readonly string[], what: 'person' | 'unit'): LocalPart {
  const local = parseLocalAddress(address, localDomains);
  if (local === null) {
    throw new DirectoryError(what === 'unit' ? 'unknown-unit' : 'unknown-person', `unknown ${what} ${JSON.stringify(address)}`);
  }
  return local;
}
