import { BerError, BerReader, TAG, boolean, element, integer, integerOf, octetString, sequence } from './ber.js';
import { decodeFilter, type Filter } from './filter.js';

/**
 * LDAPMessage envelopes (RFC 4511 §4.1.1) and the operations this read-only server decodes:
 * bind (§4.2), unbind (§4.3), search (§4.5.1), abandon (§4.11), extended (§4.12). Every other
 * protocolOp is recognised by its tag only and answered unwillingToPerform with its own response
 * tag (§4.6–§4.10).
 */

/** §4.1.11 Control. */
export interface Control {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Buffer | null;
}

export type Scope = 'base' | 'one' | 'sub';

export interface SearchRequest {
  readonly kind: 'search';
  readonly baseObject: string;
  readonly scope: Scope;
  readonly sizeLimit: number;
  /** Seconds; 0: no limit asked. */
  readonly timeLimit: number;
  readonly typesOnly: boolean;
  readonly filter: Filter;
  readonly attributes: readonly string[];
}

export type Request =
  | { readonly kind: 'bind'; readonly version: number; readonly name: string; readonly simplePassword: string | null }
  | { readonly kind: 'unbind' }
  | SearchRequest
  | { readonly kind: 'abandon'; readonly target: number }
  | { readonly kind: 'extended'; readonly oid: string; readonly value: Buffer | null }
  /** An update or compare: refused with the response tag the client waits for. */
  | { readonly kind: 'refused'; readonly responseTag: number };

export interface LdapMessage {
  readonly messageId: number;
  readonly request: Request;
  readonly controls: readonly Control[];
}

const OP = {
  bindRequest: 0x60,
  bindResponse: 0x61,
  unbindRequest: 0x42,
  searchRequest: 0x63,
  searchResultEntry: 0x64,
  searchResultDone: 0x65,
  abandonRequest: 0x50,
  extendedRequest: 0x77,
  extendedResponse: 0x78,
} as const;

/** Request tag → response tag of the operations a read-only server refuses (§4.6–§4.10). */
const REFUSED_OPS = new Map<number, number>([
  [0x66, 0x67], // modify
  [0x68, 0x69], // add
  [0x4a, 0x6b], // delete
  [0x6c, 0x6d], // modify DN
  [0x6e, 0x6f], // compare
]);

const MAX_MESSAGE_ID = 2 ** 31 - 1;

/** One LDAPMessage, the whole PDU (its length already checked by the session). BerError when malformed. */
export function decodeMessage(pdu: Buffer): LdapMessage {
  const outer = new BerReader(pdu);
  const message = outer.enter(TAG.sequence);
  outer.end();
  const messageId = message.readInteger();
  if (messageId < 0 || messageId > MAX_MESSAGE_ID) throw new BerError('messageID out of range');
  const op = message.read();
  const controls = message.peekTag() === 0xa0 ? decodeControls(message.enter(0xa0)) : [];
  message.end();
  return { messageId, request: decodeRequest(op.tag, op.value), controls };
}

function decodeRequest(tag: number, value: Buffer): Request {
  const reader = new BerReader(value);
  switch (tag) {
    case OP.bindRequest: {
      const version = reader.readInteger();
      const name = reader.readString();
      // §4.2 AuthenticationChoice: simple [0], sasl [3]; SASL is not offered (authMethodNotSupported).
      const simple = reader.readIfTag(0x80);
      if (simple === null) reader.read(0xa3);
      reader.end();
      return { kind: 'bind', version, name, simplePassword: simple === null ? null : simple.value.toString('utf8') };
    }
    case OP.unbindRequest:
      return { kind: 'unbind' };
    case OP.searchRequest:
      return decodeSearch(reader);
    case OP.abandonRequest:
      return { kind: 'abandon', target: integerOf({ tag, value }) };
    case OP.extendedRequest: {
      const oid = reader.readString(0x80);
      const requestValue = reader.readIfTag(0x81);
      reader.end();
      return { kind: 'extended', oid, value: requestValue === null ? null : requestValue.value };
    }
    default: {
      const responseTag = REFUSED_OPS.get(tag);
      if (responseTag === undefined) throw new BerError(`unknown protocolOp 0x${tag.toString(16)}`);
      return { kind: 'refused', responseTag };
    }
  }
}

const SCOPES: readonly Scope[] = ['base', 'one', 'sub'];

function decodeSearch(reader: BerReader): SearchRequest {
  const baseObject = reader.readString();
  const scope = SCOPES[reader.readInteger(TAG.enumerated)];
  if (scope === undefined) throw new BerError('unknown search scope');
  reader.readInteger(TAG.enumerated); // derefAliases: the tree holds no aliases
  const sizeLimit = reader.readInteger();
  const timeLimit = reader.readInteger();
  if (sizeLimit < 0 || timeLimit < 0) throw new BerError('negative limit');
  const typesOnly = reader.readBoolean();
  const filter = decodeFilter(reader.read());
  const list = reader.enter(TAG.sequence);
  reader.end();
  const attributes: string[] = [];
  while (!list.done) attributes.push(list.readString());
  return { kind: 'search', baseObject, scope, sizeLimit, timeLimit, typesOnly, filter, attributes };
}

function decodeControls(reader: BerReader): Control[] {
  const controls: Control[] = [];
  while (!reader.done) {
    const control = reader.enter(TAG.sequence);
    const oid = control.readString();
    const critical = control.peekTag() === TAG.boolean ? control.readBoolean() : false;
    const value = control.readIfTag(TAG.octetString);
    control.end();
    controls.push({ oid, critical, value: value === null ? null : value.value });
  }
  return controls;
}

// --- responses ---

/** §4.1.9 result codes used here (Appendix A). */
export const RESULT = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  unavailableCriticalExtension: 12,
  confidentialityRequired: 13,
  noSuchObject: 32,
  invalidDNSyntax: 34,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
} as const;
export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

export interface Result {
  readonly code: ResultCode;
  readonly matchedDn?: string;
  readonly message?: string;
}

function ldapResult(result: Result): Buffer[] {
  return [integer(result.code, TAG.enumerated), octetString(result.matchedDn ?? ''), octetString(result.message ?? '')];
}

function envelope(messageId: number, op: Buffer, controls: readonly Control[] = []): Buffer {
  const parts = [integer(messageId), op];
  if (controls.length > 0) parts.push(sequence(controls.map(encodeControl), 0xa0));
  return sequence(parts);
}

function encodeControl(control: Control): Buffer {
  const parts = [octetString(control.oid)];
  if (control.critical) parts.push(boolean(true));
  if (control.value !== null) parts.push(octetString(control.value));
  return sequence(parts);
}

export function bindResponse(messageId: number, result: Result): Buffer {
  return envelope(messageId, element(OP.bindResponse, ldapResult(result)));
}

export interface EntryAttribute {
  readonly name: string;
  readonly values: readonly string[];
}

/** §4.5.2 SearchResultEntry. */
export function searchResultEntry(messageId: number, dn: string, attributes: readonly EntryAttribute[]): Buffer {
  const list = attributes.map((a) => sequence([octetString(a.name), sequence(a.values.map((v) => octetString(v)), TAG.set)]));
  return envelope(messageId, element(OP.searchResultEntry, [octetString(dn), sequence(list)]));
}

export function searchResultDone(messageId: number, result: Result, controls: readonly Control[] = []): Buffer {
  return envelope(messageId, element(OP.searchResultDone, ldapResult(result)), controls);
}

/** §4.12 ExtendedResponse; with messageId 0 and the notice OID, the Notice of Disconnection (§4.4.1). */
export function extendedResponse(messageId: number, result: Result, name: string | null, value: Buffer | null = null): Buffer {
  const parts = ldapResult(result);
  if (name !== null) parts.push(octetString(name, 0x8a));
  if (value !== null) parts.push(octetString(value, 0x8b));
  return envelope(messageId, element(OP.extendedResponse, parts));
}

export function refusedResponse(messageId: number, responseTag: number, result: Result): Buffer {
  return envelope(messageId, element(responseTag, ldapResult(result)));
}
