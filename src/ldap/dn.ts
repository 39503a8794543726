import { foldVietnamese } from '../text/index.js';

/**
 * Distinguished names as strings (RFC 4514): split into RDNs at unescaped commas, each compared
 * by attribute type (case-insensitive, with the aliases of attributes.ts) and folded value, so
 * `UID=AnNV, OU=vpubnd,dc=cantho,dc=gov,dc=vn` names the same entry as the canonical form.
 */

export interface Rdn {
  readonly type: string;
  readonly value: string;
}

/** The RDNs of `dn`, leaf first; null when it is not a DN (RFC 4514 §3). The empty DN has none. */
export function parseDn(dn: string): Rdn[] | null {
  if (dn.trim() === '') return [];
  const rdns: Rdn[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\') {
      const next = dn.slice(i + 1, i + 3);
      // §2.4: a backslash escapes one special character or two hex digits (one UTF-8 octet).
      if (/^[0-9a-fA-F]{2}$/.test(next)) {
        current += `\\${next}`;
        i += 2;
      } else if (i + 1 < dn.length) {
        current += `\\${dn[++i]!}`;
      } else return null;
    } else if (c === ',' || c === ';') {
      const rdn = parseRdn(current);
      if (rdn === null) return null;
      rdns.push(rdn);
      current = '';
    } else current += c;
  }
  const last = parseRdn(current);
  if (last === null) return null;
  rdns.push(last);
  return rdns;
}

function parseRdn(text: string): Rdn | null {
  const equals = text.indexOf('=');
  if (equals <= 0) return null;
  const type = text.slice(0, equals).trim();
  if (!/^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/.test(type)) return null;
  return { type, value: unescapeValue(text.slice(equals + 1).trim()) };
}

function unescapeValue(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') {
      const hex = value.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
      i++;
    }
    bytes.push(...Buffer.from(value[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** One canonical key per DN: lowercase types, folded values, no spaces around separators. */
export function dnKey(rdns: readonly Rdn[], canonicalType: (type: string) => string): string {
  return rdns.map((r) => `${canonicalType(r.type)}=${foldVietnamese(r.value)}`).join(',');
}
