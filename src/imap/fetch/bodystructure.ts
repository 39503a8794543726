/**
 * RFC 3501 §7.4.2 BODY and BODYSTRUCTURE (RFC 9051 §7.5.2), built from the MimePart tree stored
 * at delivery. BODYSTRUCTURE carries the extension data (MD5, disposition, language, location);
 * BODY is the same shape without it, also inside enclosed messages.
 */
import type { MimePart } from '../../store/index.js';
import { adjacent, type ImapValue } from '../responses.js';
import { envelopeValue } from './envelope.js';

/**
 * RFC 3501 §9 body-fld-param: `("NAME" "value" …)` or NIL. The store keeps values decoded (RFC 2231
 * continuations joined, charset applied); a value that is not ASCII goes out re-encoded as one
 * RFC 2231 extended parameter (`"NAME*" "utf-8''…"`), because RFC 3501 §4.3 sends 8-bit text only
 * where its charset is identified, and clients decode `NAME*` as they would in a MIME header.
 */
function paramList(params: Readonly<Record<string, string>>): ImapValue {
  const entries = Object.entries(params);
  if (entries.length === 0) return null;
  return entries.flatMap(([name, value]) =>
    /^[\x20-\x7e]*$/.test(value) ? [name.toUpperCase(), value] : [`${name.toUpperCase()}*`, `utf-8''${rfc2231Encode(value)}`],
  );
}

/** RFC 2231 §7 extended-value: attribute-chars stay, every other UTF-8 octet is %XX. */
function rfc2231Encode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** RFC 3501 §9 body-fld-lang: one string, or a list when there are several. */
function languageValue(language: readonly string[] | null): ImapValue {
  if (!language || language.length === 0) return null;
  return language.length === 1 ? language[0]! : [...language];
}

/** body-fld-dsp SP body-fld-lang SP body-fld-loc: the extension data both part kinds end with. */
function trailingExtensions(part: MimePart): ImapValue[] {
  return [
    part.disposition ? [part.disposition.type.toUpperCase(), paramList(part.disposition.params)] : null,
    languageValue(part.language),
    part.location,
  ];
}

/**
 * The body structure of one part; `extensible` selects BODYSTRUCTURE (true) or BODY (false). The
 * analyzer guarantees a multipart has at least one child and a message/rfc822 has its message.
 */
export function bodyStructureValue(part: MimePart, extensible: boolean): ImapValue {
  if (part.children) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]: no space between the bodies.
    const value: ImapValue[] = [adjacent(part.children.map((child) => bodyStructureValue(child, extensible))), part.subtype.toUpperCase()];
    // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
    if (extensible) value.push(paramList(part.params), ...trailingExtensions(part));
    return value;
  }
  const value: ImapValue[] = [
    part.type.toUpperCase(),
    part.subtype.toUpperCase(),
    paramList(part.params),
    part.id,
    part.description,
    part.encoding.toUpperCase(),
    part.size,
  ];
  // body-type-msg: envelope, body and lines of the enclosed message (RFC 3501 §7.4.2).
  if (part.message) value.push(envelopeValue(part.message.envelope), bodyStructureValue(part.message.structure, extensible), part.lines);
  else if (part.type === 'text') value.push(part.lines);
  // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
  if (extensible) value.push(part.md5, ...trailingExtensions(part));
  return value;
}
