/**
 * Parameterised MIME header values: Content-Type (RFC 2045 §5.1) and Content-Disposition
 * (RFC 2183), with RFC 2231 parameter value continuations and charset/language encoding.
 *
 * Lenient where real mail is sloppy: unquoted values may hold tspecials (`boundary=----=_Part_1`),
 * comments are dropped, the first of two same-named parameters wins, and an RFC 2231 form of a
 * parameter wins over its plain form (RFC 2231 §4.1 lets senders give both for old readers).
 * Encoded-words inside values are left as written.
 */
import { hexValue } from './bytes.js';
import { decodeCharset } from './charset.js';
import { trimWsp } from './header-block.js';

export interface ParameterizedValue {
  /** The part before the first `;`, trimmed (e.g. `text/plain`, `attachment`), as written. */
  readonly value: string;
  /** Parameter names lowercased. */
  readonly params: Record<string, string>;
}

/** Parameters (RFC 2231 sections included) read per header; real ones have a handful. */
const MAX_PARAMS = 1000;
const PERCENT = 0x25;

export function parseParameterizedValue(header: string): ParameterizedValue {
  const segments = splitOutsideQuotes(stripComments(header));
  const value = trimWsp(segments.next().value ?? '');
  const plain = new Map<string, string>();
  const extended = new Map<string, Map<number, { text: string; encoded: boolean }>>();
  let count = 0;
  for (const segment of segments) {
    if (++count > MAX_PARAMS) break;
    const eq = segment.indexOf('=');
    if (eq < 0) continue;
    const rawName = trimWsp(segment.slice(0, eq)).toLowerCase();
    const text = unquote(trimWsp(segment.slice(eq + 1)));
    const section = rfc2231Section(rawName);
    if (section === null) {
      if (rawName && !plain.has(rawName)) plain.set(rawName, text);
      continue;
    }
    let sections = extended.get(section.name);
    if (!sections) extended.set(section.name, (sections = new Map()));
    if (!sections.has(section.index)) sections.set(section.index, { text, encoded: section.encoded });
  }
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, text] of plain) params[name] = text;
  for (const [name, sections] of extended) params[name] = joinSections(sections);
  return { value, params: { ...params } };
}

/** `name*` (one encoded section), `name*N` (plain continuation), `name*N*` (encoded continuation). */
function rfc2231Section(name: string): { name: string; index: number; encoded: boolean } | null {
  const m = /^([^*]+)\*(?:(\d{1,4})(\*)?)?$/.exec(name);
  if (!m) return null;
  if (m[2] === undefined) return { name: m[1]!, index: 0, encoded: true };
  return { name: m[1]!, index: Number(m[2]), encoded: m[3] === '*' };
}

/**
 * RFC 2231 §3–4: sections joined in index order; the first encoded section starts with
 * `charset'language'`; encoded sections are %-escaped octets in that charset.
 */
function joinSections(sections: ReadonlyMap<number, { text: string; encoded: boolean }>): string {
  const ordered = [...sections.entries()].sort((a, b) => a[0] - b[0]);
  let charset: string | undefined;
  const chunks: Buffer[] = [];
  ordered.forEach(([, section], i) => {
    let text = section.text;
    if (section.encoded && i === 0) {
      const q1 = text.indexOf("'");
      const q2 = q1 < 0 ? -1 : text.indexOf("'", q1 + 1);
      if (q2 >= 0) {
        charset = text.slice(0, q1) || undefined;
        text = text.slice(q2 + 1);
      }
    }
    chunks.push(section.encoded ? percentDecode(text) : Buffer.from(text, 'utf8'));
  });
  return decodeCharset(Buffer.concat(chunks), charset);
}

/** RFC 2231 §4 `%XX` octets; anything else stands for its own UTF-8 bytes. */
function percentDecode(text: string): Buffer {
  const src = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const hi = src[i] === PERCENT ? hexValue(src[i + 1]) : -1;
    const lo = hi >= 0 ? hexValue(src[i + 2]) : -1;
    if (lo >= 0) {
      out[o++] = hi * 16 + lo;
      i += 2;
    } else out[o++] = src[i]!;
  }
  return out.subarray(0, o);
}

/** Removes RFC 822 comments outside quoted strings; nesting is a counter, so no recursion. */
function stripComments(text: string): string {
  if (!text.includes('(')) return text;
  const kept: string[] = [];
  let keptFrom = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && (quoted || depth > 0)) i++;
    else if (quoted) quoted = c !== '"';
    else if (c === '"' && depth === 0) quoted = true;
    else if (c === '(') {
      if (depth++ === 0) kept.push(text.slice(keptFrom, i));
    } else if (c === ')' && depth > 0 && --depth === 0) keptFrom = i + 1;
  }
  if (depth === 0) kept.push(text.slice(keptFrom));
  return kept.join('');
}

/** The `;`-separated pieces outside quoted strings, one at a time (a hostile header may hold millions). */
function* splitOutsideQuotes(text: string): Generator<string, undefined> {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ';' && !quoted) {
      yield text.slice(start, i);
      start = i + 1;
    }
  }
  yield text.slice(start);
  return undefined;
}

/** A quoted-string value loses its quotes and quoted-pairs; anything after the closing quote is dropped. */
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  let close = 1;
  while (close < text.length && text[close] !== '"') close += text[close] === '\\' ? 2 : 1;
  const inner = text.slice(1, Math.min(close, text.length));
  return inner.includes('\\') ? inner.replace(/\\([\s\S])/g, '$1') : inner;
}
