import { MAILBOX_DELIMITER, StoreError } from './types.js';

const MAX_NAME_BYTES = 1000;
const MAX_COMPONENT_BYTES = 255;

/**
 * The one spelling of a mailbox name the store keys on: NFC (so a client sending "Thư đến"
 * decomposed finds the same folder) and INBOX in capitals. RFC 3501 §5.1 makes INBOX
 * case-insensitive; like most servers we extend that to the first level of its children
 * ("inbox/Việc" is "INBOX/Việc"), otherwise a client could create two look-alike trees.
 */
export function canonicalMailboxName(name: string): string {
  const nfc = name.normalize('NFC');
  const first = nfc.indexOf(MAILBOX_DELIMITER);
  const head = first === -1 ? nfc : nfc.slice(0, first);
  return head.toUpperCase() === 'INBOX' ? 'INBOX' + nfc.slice(head.length) : nfc;
}

/** Canonical name, or StoreError 'invalid-name' for names the store will not create. */
export function validMailboxName(name: string): string {
  const canonical = canonicalMailboxName(name);
  const reason = invalidNameReason(canonical);
  if (reason !== null) throw new StoreError('invalid-name', `invalid mailbox name: ${reason}`);
  return canonical;
}

export function isValidMailboxName(canonical: string): boolean {
  return invalidNameReason(canonical) === null;
}

function invalidNameReason(name: string): string | null {
  if (name === '') return 'empty';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return 'too long';
  // RFC 3501 §5.1: names with wildcards cannot be LISTed unambiguously; control characters are never names.
  if (/[\x00-\x1f\x7f*%]/.test(name)) return 'wildcard or control character';
  for (const component of name.split(MAILBOX_DELIMITER)) {
    if (component === '') return `empty level (leading, trailing or doubled "${MAILBOX_DELIMITER}")`;
    if (Buffer.byteLength(component) > MAX_COMPONENT_BYTES) return 'level too long';
  }
  return null;
}

/** "a/b/c" → ["a", "a/b"]: the superiors that RFC 3501 §6.3.3 says CREATE makes as needed. */
export function parentNames(name: string): string[] {
  const parts = name.split(MAILBOX_DELIMITER);
  return parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join(MAILBOX_DELIMITER));
}

/** Whether `name` is `parent` itself or below it. */
export function isSameOrInferior(name: string, parent: string): boolean {
  return name === parent || name.startsWith(parent + MAILBOX_DELIMITER);
}
