import { decodeCharset, decodeTransferEncoding, type MimePart } from '../mime/index.js';
import type { BodyTransform } from './program.js';
import type { SieveMessage } from './types.js';

/**
 * RFC 5173 §5 :raw and :content over the message's first octets (limits.ts maxBodyBytes, so a
 * 25 MB attachment costs no more than that) and the MIME structure the delivery already
 * computed (src/mime): no part is parsed twice, and a part past the limit is not looked at.
 */
export function bodyValues(message: SieveMessage, transform: Exclude<BodyTransform, { kind: 'text' }>): string[] {
  const body = message.body;
  if (body === null) return [];
  // RFC 5173 §5.1: the body as it is, encodings and all.
  if (transform.kind === 'raw') return [body.prefix.subarray(body.headerSize).toString('utf8')];
  const values: string[] = [];
  for (const part of leafParts(body.structure)) {
    if (part.bodyEnd > body.prefix.length || !typeMatches(part, transform.types)) continue;
    const octets = decodeTransferEncoding(body.prefix.subarray(part.bodyStart, part.bodyEnd), part.encoding);
    // RFC 5173 §5.2: text parts are decoded to characters; other parts are matched as their octets.
    values.push(part.type === 'text' ? decodeCharset(octets, part.params['charset']) : octets.toString('latin1'));
  }
  return values;
}

/** The parts that hold content: multiparts are walked into, an attached message into its own structure (src/mime bounds depth and count). */
function* leafParts(part: MimePart): Generator<MimePart> {
  if (part.children) for (const child of part.children) yield* leafParts(child);
  else if (part.message) yield* leafParts(part.message.structure);
  else yield part;
}

/** RFC 5173 §5.2: "" is every part, "text" a top-level type, "text/plain" a type and subtype. */
function typeMatches(part: MimePart, types: readonly string[]): boolean {
  return types.some((type) => type === '' || type === part.type || type === `${part.type}/${part.subtype}`);
}
