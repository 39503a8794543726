/**
 * RFC 5322 §3.2 lexical tokens of a structured header value (address lists): atoms, quoted
 * strings, domain literals, comments and specials, read one at a time so a huge field never
 * becomes a huge token array. The scanner never fails: an unterminated quoted string, comment or
 * literal runs to the end of the value, as lenient readers do.
 */

export type Token =
  | { readonly kind: 'atom'; readonly text: string; readonly spaceBefore: boolean }
  /** `text` is the content with quoted-pairs resolved; `raw` keeps the quotes and backslashes. */
  | { readonly kind: 'quoted'; readonly text: string; readonly raw: string; readonly spaceBefore: boolean }
  | { readonly kind: 'literal'; readonly text: string; readonly spaceBefore: boolean }
  | { readonly kind: 'comment'; readonly text: string; readonly spaceBefore: boolean }
  | { readonly kind: 'special'; readonly text: string; readonly spaceBefore: boolean };

/** RFC 5322 §3.2.3 specials that end an atom (`(`, `"` and `[` open their own tokens). */
const SPECIALS = new Set(['<', '>', ':', ';', '@', ',', '.', ')', ']', '\\']);
const WSP = new Set([' ', '\t', '\r', '\n']);

/** A position to come back to after looking ahead. */
export interface Mark {
  readonly pos: number;
  readonly peeked: Token | null | undefined;
}

export class Tokenizer {
  private pos = 0;
  /** The token `peek` has read and `next` has not yet consumed (undefined: none read). */
  private peeked: Token | null | undefined = undefined;

  constructor(private readonly value: string) {}

  peek(): Token | null {
    if (this.peeked === undefined) this.peeked = this.read();
    return this.peeked;
  }

  next(): Token | null {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  mark(): Mark {
    return { pos: this.pos, peeked: this.peeked };
  }

  reset(mark: Mark): void {
    this.pos = mark.pos;
    this.peeked = mark.peeked;
  }

  private read(): Token | null {
    const value = this.value;
    const n = value.length;
    let spaceBefore = false;
    let i = this.pos;
    while (i < n && WSP.has(value[i]!)) {
      spaceBefore = true;
      i++;
    }
    if (i >= n) {
      this.pos = n;
      return null;
    }
    const c = value[i]!;
    let token: Token;
    if (c === '(') {
      const end = scanComment(value, i);
      token = { kind: 'comment', text: unescape(value.slice(i + 1, end.contentEnd)), spaceBefore };
      i = end.next;
    } else if (c === '"') {
      const end = scanDelimited(value, i, '"');
      token = { kind: 'quoted', text: unescape(value.slice(i + 1, end.contentEnd)), raw: value.slice(i, end.next), spaceBefore };
      i = end.next;
    } else if (c === '[') {
      const end = scanDelimited(value, i, ']');
      token = { kind: 'literal', text: value.slice(i, end.next), spaceBefore };
      i = end.next;
    } else if (SPECIALS.has(c)) {
      token = { kind: 'special', text: c, spaceBefore };
      i++;
    } else {
      let j = i + 1;
      while (j < n && !WSP.has(value[j]!) && !SPECIALS.has(value[j]!) && value[j] !== '(' && value[j] !== '"' && value[j] !== '[') j++;
      token = { kind: 'atom', text: value.slice(i, j), spaceBefore };
      i = j;
    }
    this.pos = i;
    return token;
  }
}

interface Span {
  /** End of the content (before the closing character, or the end of the value). */
  readonly contentEnd: number;
  /** Where scanning resumes. */
  readonly next: number;
}

/** Quoted string or domain literal starting at `start`; a backslash quotes the next character (§3.2.1). */
function scanDelimited(value: string, start: number, close: string): Span {
  for (let j = start + 1; j < value.length; j++) {
    const c = value[j];
    if (c === '\\') j++;
    else if (c === close) return { contentEnd: j, next: j + 1 };
  }
  return { contentEnd: value.length, next: value.length };
}

/** Comments nest (§3.2.2); depth is a counter, so deep nesting costs no stack. */
function scanComment(value: string, start: number): Span {
  let depth = 0;
  for (let j = start; j < value.length; j++) {
    const c = value[j];
    if (c === '\\') j++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { contentEnd: j, next: j + 1 };
  }
  return { contentEnd: value.length, next: value.length };
}

/** Resolves quoted-pairs (§3.2.1): `\x` → `x`. */
function unescape(text: string): string {
  return text.includes('\\') ? text.replace(/\\([\s\S])/g, '$1') : text;
}
