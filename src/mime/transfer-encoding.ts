/** RFC 2045 §6 Content-Transfer-Encoding decoding of a part body, on bytes, in one pass. */
import { CR, HTAB, LF, SP, hexValue } from './bytes.js';

/** Decodes base64 and quoted-printable; 7bit, 8bit, binary and unknown encodings pass through. */
export function decodeTransferEncoding(body: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      // RFC 2045 §6.8: characters outside the alphabet (line breaks included) are ignored.
      return Buffer.from(body.toString('latin1'), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

const EQUALS = 0x3d;

/**
 * RFC 2045 §6.7: `=XX` is an octet, `=` before a line end (trailing WSP allowed) is a soft line
 * break, and any other `=` is kept as written (note 1: robust decoders do not reject it).
 */
function decodeQuotedPrintable(src: Buffer): Buffer {
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c !== EQUALS) {
      out[o++] = c;
      continue;
    }
    const hi = hexValue(src[i + 1]);
    const lo = hexValue(src[i + 2]);
    if (hi >= 0 && lo >= 0) {
      out[o++] = hi * 16 + lo;
      i += 2;
      continue;
    }
    let j = i + 1;
    while (j < src.length && (src[j] === SP || src[j] === HTAB)) j++;
    if (j >= src.length) i = j;
    else if (src[j] === LF) i = j;
    else if (src[j] === CR && src[j + 1] === LF) i = j + 1;
    else out[o++] = c;
  }
  return out.subarray(0, o);
}
