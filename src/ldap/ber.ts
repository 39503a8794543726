/**
 * The subset of BER that LDAP uses (RFC 4511 §5.1): definite lengths only, one-byte tags, every
 * length checked against the bytes that enclose it. A reader never looks past its slice, so a
 * lying length is a BerError, never a read out of bounds.
 */

/** Malformed BER: the session answers protocolError (RFC 4511 §4.1.1) and disconnects. */
export class BerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BerError';
  }
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
} as const;

export interface BerElement {
  readonly tag: number;
  /** The contents octets (a view of the input, not a copy). */
  readonly value: Buffer;
}

/** Where the element starting at `offset` ends, or null when `buffer` does not hold all of it yet. */
export function elementLength(buffer: Buffer, offset = 0): { readonly headerBytes: number; readonly contentBytes: number } | null {
  if (buffer.length < offset + 2) return null;
  // X.690 §8.1.2.4: tag number 31 means a multi-byte tag; LDAP never uses one (RFC 4511 §5.1).
  if ((buffer[offset]! & 0x1f) === 0x1f) throw new BerError('multi-byte tags are not used by LDAP');
  const first = buffer[offset + 1]!;
  if (first < 0x80) return { headerBytes: 2, contentBytes: first };
  // RFC 4511 §5.1: "Only the definite form of length encoding is used."
  if (first === 0x80) throw new BerError('indefinite length');
  const lengthBytes = first & 0x7f;
  if (lengthBytes > 4) throw new BerError('length field too long');
  if (buffer.length < offset + 2 + lengthBytes) return null;
  let length = 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + buffer[offset + 2 + i]!;
  return { headerBytes: 2 + lengthBytes, contentBytes: length };
}

/** Reads the elements of one constructed value (or a whole PDU) in order. */
export class BerReader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  peekTag(): number | null {
    return this.done ? null : this.buffer[this.offset]!;
  }

  read(expectedTag?: number): BerElement {
    const size = elementLength(this.buffer, this.offset);
    if (size === null || this.offset + size.headerBytes + size.contentBytes > this.buffer.length) throw new BerError('element longer than its enclosure');
    const tag = this.buffer[this.offset]!;
    if (expectedTag !== undefined && tag !== expectedTag) throw new BerError(`expected tag 0x${expectedTag.toString(16)}, got 0x${tag.toString(16)}`);
    const start = this.offset + size.headerBytes;
    this.offset = start + size.contentBytes;
    return { tag, value: this.buffer.subarray(start, this.offset) };
  }

  readIfTag(tag: number): BerElement | null {
    return this.peekTag() === tag ? this.read(tag) : null;
  }

  /** The constructed element's contents as a reader of its own. */
  enter(expectedTag: number): BerReader {
    return new BerReader(this.read(expectedTag).value);
  }

  readInteger(tag: number = TAG.integer): number {
    return integerOf(this.read(tag));
  }

  readString(tag: number = TAG.octetString): string {
    return this.read(tag).value.toString('utf8');
  }

  readBoolean(tag: number = TAG.boolean): boolean {
    const { value } = this.read(tag);
    if (value.length !== 1) throw new BerError('BOOLEAN of the wrong size');
    return value[0] !== 0;
  }

  /** Nothing may follow the last element a grammar expects (X.690 §8.9). */
  end(): void {
    if (!this.done) throw new BerError('unexpected trailing element');
  }
}

/** A signed INTEGER or ENUMERATED of at most 4 octets (RFC 4511 maxInt is 2^31-1). */
export function integerOf(element: BerElement): number {
  const { value } = element;
  if (value.length === 0 || value.length > 4) throw new BerError('INTEGER of the wrong size');
  return value.readIntBE(0, value.length);
}

// --- writing ---

function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function element(tag: number, contents: Buffer | readonly Buffer[]): Buffer {
  const body = Buffer.isBuffer(contents) ? contents : Buffer.concat(contents as Buffer[]);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

export function integer(value: number, tag: number = TAG.integer): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0 && rest !== -1);
  // A positive value whose top bit is set needs a leading zero octet (X.690 §8.3.2).
  if (value >= 0 && (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return element(tag, Buffer.from(bytes));
}

export function octetString(value: string | Buffer, tag: number = TAG.octetString): Buffer {
  return element(tag, Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'));
}

export function boolean(value: boolean): Buffer {
  return element(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

export function sequence(items: readonly Buffer[], tag: number = TAG.sequence): Buffer {
  return element(tag, items);
}
