/**
 * RFC 3501 §5.1.3 modified UTF-7 for mailbox names on the wire: printable US-ASCII stands for
 * itself except "&", written "&-"; everything else is UTF-16BE in modified base64 ("," for "/",
 * no padding) between "&" and "-". The store keeps names as UTF-8; only the protocol edge converts.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const B64_VALUE = new Map([...B64].map((c, i) => [c, i]));

function isDirect(code: number): boolean {
  return code >= 0x20 && code <= 0x7e;
}

/** UTF-8 name → modified UTF-7. */
export function encodeMutf7(name: string): string {
  let out = '';
  let pending: number[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Buffer.alloc(pending.length * 2);
    pending.forEach((unit, i) => bytes.writeUInt16BE(unit, i * 2));
    out += '&' + bytes.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (isDirect(unit)) {
      flush();
      out += unit === 0x26 ? '&-' : name[i];
    } else {
      pending.push(unit);
    }
  }
  flush();
  return out;
}

export class Mutf7Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Mutf7Error';
  }
}

/**
 * Modified UTF-7 → UTF-8. Strict, because a name has exactly one valid spelling: unterminated
 * shifts, bits left over, base64 of printable ASCII, or 8-bit octets are refused (Mutf7Error).
 */
export function decodeMutf7(wire: string): string {
  let out = '';
  let i = 0;
  while (i < wire.length) {
    const code = wire.charCodeAt(i);
    if (!isDirect(code)) throw new Mutf7Error('mailbox name has a character outside printable US-ASCII');
    if (code !== 0x26) {
      out += wire[i];
      i++;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) throw new Mutf7Error('mailbox name has "&" without closing "-"');
    const run = wire.slice(i + 1, end);
    i = end + 1;
    if (run === '') {
      out += '&';
      continue;
    }
    out += decodeShift(run);
  }
  return out;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decodeShift(run: string): string {
  let bits = 0;
  let nbits = 0;
  const bytes: number[] = [];
  for (const c of run) {
    const v = B64_VALUE.get(c);
    if (v === undefined) throw new Mutf7Error(`mailbox name has "${c}" inside a "&…-" shift`);
    bits = (bits << 6) | v;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      bytes.push((bits >> nbits) & 0xff);
    }
  }
  // Leftover bits must be fewer than 6 and zero, and the octets must form whole UTF-16 units.
  if (nbits >= 6 || (bits & ((1 << nbits) - 1)) !== 0 || bytes.length % 2 !== 0 || bytes.length === 0) {
    throw new Mutf7Error('mailbox name has a malformed "&…-" shift');
  }
  let text = '';
  for (let j = 0; j < bytes.length; j += 2) {
    const unit = (bytes[j]! << 8) | bytes[j + 1]!;
    if (isDirect(unit)) throw new Mutf7Error('mailbox name encodes printable ASCII inside a shift');
    text += String.fromCharCode(unit);
  }
  if (LONE_SURROGATE.test(text)) throw new Mutf7Error('mailbox name has an unpaired UTF-16 surrogate');
  return text;
}
