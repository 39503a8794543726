/**
 * The shape of a message, beside its words: MIME parts (type, charset, transfer encoding, file
 * name), the HTML tags and attributes used, the links with the text shown for them, hidden text
 * and images. Computed once on the analysis worker (src/workers) with the rest of the view, from
 * the HTML of its text parts (src/mime message-text.ts) and the raw body; the structural rules (rules.ts) and Bayes' tokens
 * read it. Bounded like the rest of the view: at most LIMIT entries of each list.
 */
const LIMIT = 200;

export interface PartFacts {
  /** Lowercase "text/html"; "" when the part has no Content-Type (RFC 2045 §5.2: text/plain). */
  readonly type: string;
  readonly charset: string;
  /** Lowercase Content-Transfer-Encoding, "" when absent (RFC 2045 §6.1: 7bit). */
  readonly encoding: string;
  readonly filename: string;
}

export interface LinkFacts {
  readonly href: string;
  /** The visible text of the <a> element, whitespace collapsed. */
  readonly text: string;
}

export interface MessageStructure {
  /** The top-level entity first, then each body part in order (multipart containers included). */
  readonly parts: readonly PartFacts[];
  /** Distinct "tag" and "tag.attribute" names of the HTML parts, lowercase. */
  readonly htmlTags: readonly string[];
  readonly links: readonly LinkFacts[];
  /** HTML styles that hide text from the reader (display:none, visibility:hidden, font-size 0–1, white on white). */
  readonly hiddenText: boolean;
  readonly images: number;
  /** Characters of text in the plain parts and in the HTML parts. */
  readonly plainLength: number;
  readonly htmlLength: number;
}

export function readStructure(headers: ReadonlyMap<string, readonly string[]>, rawBody: string, html: string, plainLength: number, htmlLength: number): MessageStructure {
  const top = partFacts(`Content-Type: ${headers.get('content-type')?.[0] ?? ''}\nContent-Transfer-Encoding: ${headers.get('content-transfer-encoding')?.[0] ?? ''}`);
  const parts = [top];
  if (top.type.startsWith('multipart/')) {
    // RFC 2046 §5.1.1: a body part's header block follows its "--boundary" line.
    for (const match of rawBody.matchAll(/\n--[^\r\n]+\r?\n((?:[^\r\n]+\r?\n)+)\r?\n/g)) {
      parts.push(partFacts(match[1]!));
      if (parts.length >= LIMIT) break;
    }
  }
  return { parts, ...readHtml(html), plainLength, htmlLength };
}

function partFacts(block: string): PartFacts {
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  const field = (name: string) => new RegExp(`^${name}:[ \\t]*([^\\r\\n]*)`, 'im').exec(unfolded)?.[1] ?? '';
  const contentType = field('Content-Type');
  const param = (source: string, name: string) => new RegExp(`${name}\\*?=\\s*"?([^";]*)`, 'i').exec(source)?.[1]?.trim() ?? '';
  const type = /^([\w.+-]+\/[\w.+-]+)/.exec(contentType)?.[1]?.toLowerCase() ?? '';
  return {
    type,
    charset: param(contentType, 'charset').toLowerCase(),
    encoding: field('Content-Transfer-Encoding').trim().toLowerCase(),
    filename: param(field('Content-Disposition'), 'filename') || param(contentType, 'name'),
  };
}

const TAG = /<([a-z][a-z0-9]*)\b([^>]*)>/gi;
const ATTRIBUTE = /([a-z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;
const ANCHOR = /<a\b[^>]*?href\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)[^>]*>([\s\S]{0,500}?)<\/a\s*>/gi;
const HIDING = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*[01](?:\.\d+)?(?:px|pt)?\s*(?:;|"|'|$)|color\s*:\s*#?f{3}(?:f{3})?\b[^>]*background(?:-color)?\s*:\s*#?f{3}(?:f{3})?\b/i;

function readHtml(html: string): Pick<MessageStructure, 'htmlTags' | 'links' | 'hiddenText' | 'images'> {
  if (html === '') return { htmlTags: [], links: [], hiddenText: false, images: 0 };
  const tags = new Set<string>();
  let images = 0;
  let hiddenText = false;
  for (const match of html.matchAll(TAG)) {
    const name = match[1]!.toLowerCase();
    if (name === 'img') images++;
    if (tags.size < LIMIT) {
      tags.add(name);
      for (const attribute of match[2]!.matchAll(ATTRIBUTE)) tags.add(`${name}.${attribute[1]!.toLowerCase()}`);
    }
    if (!hiddenText && HIDING.test(match[2]!)) hiddenText = true;
  }
  const links: LinkFacts[] = [];
  for (const match of html.matchAll(ANCHOR)) {
    const href = match[1]!.replace(/^["']|["']$/g, '').trim();
    const text = match[2]!.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    links.push({ href, text });
    if (links.length >= LIMIT) break;
  }
  return { htmlTags: [...tags], links, hiddenText, images };
}
