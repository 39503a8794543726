/**
 * A small, strict XML reader for WebDAV request bodies (RFC 4918 §8.2 PROPFIND and REPORT
 * bodies): elements with namespaces (Namespaces in XML 1.0 §6), attributes, text, CDATA,
 * comments and processing instructions. Written for hostile input, not for every document:
 * - no DTD at all: a `<!DOCTYPE` is refused, so there are no external entities (XXE) and no
 *   entity expansion ("billion laughs"); only the five predefined entities and character
 *   references are decoded (RFC 4918 §20.6 asks servers to guard against both);
 * - nesting is bounded by MAX_DEPTH and the element count by MAX_ELEMENTS, so a deep or huge
 *   document costs bounded stack and memory (the body itself is capped before: routes.ts).
 * Anything it does not accept is an XmlError, answered 400 by the caller.
 */

export const MAX_DEPTH = 32;
export const MAX_ELEMENTS = 20_000;

export class XmlError extends Error {}

export interface XmlElement {
  /** Namespace URI ('' for none) and local name: `DAV:` + `propfind`. */
  readonly ns: string;
  readonly name: string;
  /** Unprefixed attributes by name (WebDAV's attributes, `name="FN"`, `match-type`, carry no prefix). */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  /** The element's own character data, concatenated. */
  text: string;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes character data: the five predefined entities and `&#N;`/`&#xH;`; any other `&` is an error. */
function decode(raw: string): string {
  return raw.replace(/&([^;]{0,10});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlError('an & that starts no reference');
    const named = ENTITIES[ref];
    if (named !== undefined) return named;
    const code = /^#x[0-9a-f]+$/i.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
    if (!Number.isInteger(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError(`unknown entity &${ref};`);
    return String.fromCodePoint(code);
  });
}

interface Open {
  readonly element: XmlElement;
  readonly qname: string;
  readonly scope: ReadonlyMap<string, string>;
}

/** Parses a whole document; returns its root element. */
export function readXml(text: string): XmlElement {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Open[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  const expect = (marker: string, what: string): number => {
    const end = text.indexOf(marker, at);
    if (end < 0) throw new XmlError(`unterminated ${what}`);
    return end;
  };
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const chunk = lt < 0 ? text.slice(at) : text.slice(at, lt);
    if (chunk !== '') {
      const top = stack[stack.length - 1];
      if (top) top.element.text += decode(chunk);
      else if (chunk.trim() !== '') throw new XmlError('text outside the root element');
    }
    if (lt < 0) break;
    at = lt;
    if (text.startsWith('<?', at)) {
      at = expect('?>', 'processing instruction') + 2;
    } else if (text.startsWith('<!--', at)) {
      at = expect('-->', 'comment') + 3;
    } else if (text.startsWith('<![CDATA[', at)) {
      const end = expect(']]>', 'CDATA section');
      const top = stack[stack.length - 1];
      if (!top) throw new XmlError('CDATA outside the root element');
      top.element.text += text.slice(at + 9, end);
      at = end + 3;
    } else if (text.startsWith('<!', at)) {
      throw new XmlError('document type declarations are not accepted');
    } else if (text.startsWith('</', at)) {
      const end = expect('>', 'end tag');
      const qname = text.slice(at + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== qname) throw new XmlError(`end tag </${qname}> does not match`);
      at = end + 1;
    } else {
      if (root !== null && stack.length === 0) throw new XmlError('more than one root element');
      if (stack.length >= MAX_DEPTH) throw new XmlError(`elements nested deeper than ${MAX_DEPTH}`);
      if (++elements > MAX_ELEMENTS) throw new XmlError(`more than ${MAX_ELEMENTS} elements`);
      const parsed = startTag(text, at + 1, stack[stack.length - 1]?.scope ?? new Map());
      at = parsed.next;
      const top = stack[stack.length - 1];
      if (top) top.element.children.push(parsed.open.element);
      else root = parsed.open.element;
      if (!parsed.selfClosing) stack.push(parsed.open);
    }
  }
  if (stack.length > 0) throw new XmlError(`element <${stack[stack.length - 1]!.qname}> is not closed`);
  if (root === null) throw new XmlError('no root element');
  return root;
}

/** Sticky patterns: matched at a position of the whole text, never on a copy of its rest. */
const NAME_AT = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;
const SPACE_AT = /\s*/y;
const ATTRIBUTE_AT = /([A-Za-z_][\w.:-]*)\s*=\s*("[^"<]*"|'[^'<]*')/y;

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** A start tag from just after its `<`: name, attributes, namespace declarations. */
function startTag(text: string, from: number, parentScope: ReadonlyMap<string, string>): { open: Open; next: number; selfClosing: boolean } {
  const qname = matchAt(NAME_AT, text, from)?.[0];
  if (qname === undefined) throw new XmlError('malformed start tag');
  let at = from + qname.length;
  const raw = new Map<string, string>();
  for (;;) {
    const space = matchAt(SPACE_AT, text, at)![0].length;
    at += space;
    if (text.startsWith('/>', at) || text.startsWith('>', at)) break;
    if (space === 0) throw new XmlError(`malformed start tag <${qname}>`);
    const attribute = matchAt(ATTRIBUTE_AT, text, at);
    if (attribute === null) throw new XmlError(`malformed attribute in <${qname}>`);
    if (raw.has(attribute[1]!)) throw new XmlError(`attribute ${attribute[1]} given twice`);
    raw.set(attribute[1]!, decode(attribute[2]!.slice(1, -1)));
    at += attribute[0].length;
  }
  const selfClosing = text.startsWith('/>', at);
  const scope = new Map(parentScope);
  const attributes = new Map<string, string>();
  for (const [name, value] of raw) {
    if (name === 'xmlns') scope.set('', value);
    else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
    else if (!name.includes(':')) attributes.set(name, value);
  }
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') throw new XmlError(`namespace prefix ${prefix} is not declared`);
  const element: XmlElement = { ns: ns ?? '', name: qname.slice(colon + 1), attributes, children: [], text: '' };
  return { open: { element, qname, scope }, next: at + (selfClosing ? 2 : 1), selfClosing };
}

/** The first child with this namespace and name, or undefined. */
export function child(element: XmlElement, ns: string, name: string): XmlElement | undefined {
  return element.children.find((c) => c.ns === ns && c.name === name);
}

export function childrenNamed(element: XmlElement, ns: string, name: string): XmlElement[] {
  return element.children.filter((c) => c.ns === ns && c.name === name);
}
