/**
 * HTML → plain text for reading, never for display: the search index (src/mime) and the
 * spam rules and Bayes (src/filters) use it. Tags, comments, and script/style contents are
 * dropped, character references resolved. Never rendered, so it need not be a full HTML parser;
 * it must only be linear on hostile input: every search moves forward, and a `<` with no `>`
 * after it ends the text (nothing later can close a tag either). Leaf module: imports nothing of ours.
 */

/** Elements whose content is not text a reader sees. */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'head', 'title', 'template']);
const TAG_NAME = /<\/?([a-zA-Z][a-zA-Z0-9-]*)/y;

export function htmlToText(html: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out.push(html.slice(i));
      break;
    }
    out.push(html.slice(i, lt));
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) break;
      i = end + 3;
      continue;
    }
    TAG_NAME.lastIndex = lt;
    const tag = TAG_NAME.exec(html);
    if (!tag && html[lt + 1] !== '!' && html[lt + 1] !== '?') {
      out.push('<');
      i = lt + 1;
      continue;
    }
    const gt = html.indexOf('>', lt);
    if (gt < 0) break;
    i = gt + 1;
    out.push(' ');
    const name = tag?.[1]?.toLowerCase();
    if (name && RAW_TEXT_ELEMENTS.has(name) && html[lt + 1] !== '/') {
      const close = new RegExp(`</${name}\\s*>`, 'gi');
      close.lastIndex = i;
      const m = close.exec(html);
      if (!m) break;
      i = m.index + m[0].length;
    }
  }
  return decodeCharacterReferences(out.join(''));
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
/** Latin-1 letters with a diacritic (`&ecirc;`, `&agrave;`), common in Vietnamese HTML: letter + combining mark. */
const MARKS: Readonly<Record<string, string>> = {
  grave: '\u0300',
  acute: '\u0301',
  circ: '\u0302',
  tilde: '\u0303',
  uml: '\u0308',
  ring: '\u030a',
  cedil: '\u0327',
};

function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text
    .replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g, (whole, dec?: string, hex?: string, name?: string) => {
      if (dec !== undefined || hex !== undefined) {
        const code = dec !== undefined ? Number(dec) : parseInt(hex!, 16);
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : ' ';
      }
      const lower = name!.toLowerCase();
      if (NAMED[lower] !== undefined) return NAMED[lower];
      const mark = MARKS[name!.slice(1)];
      return mark !== undefined ? name![0] + mark : whole;
    })
    .normalize('NFC');
}
