import { SieveSyntaxError, type SourcePosition } from './errors.js';
import { SIEVE_LIMITS } from './limits.js';

/**
 * RFC 5228 §8.1 lexical tokens. Line ends may be CRLF or a bare LF (scripts typed on Unix
 * arrive with LF through ManageSieve clients); a `text:` string's lines are returned with CRLF as
 * §8.1 defines them. White space and comments (`#` to the end of the line, `/* … *\/`) separate
 * tokens and are dropped.
 */
export type Token =
  | { readonly kind: 'identifier'; readonly value: string; readonly at: SourcePosition }
  | { readonly kind: 'tag'; readonly value: string; readonly at: SourcePosition }
  | { readonly kind: 'number'; readonly value: number; readonly at: SourcePosition }
  | { readonly kind: 'string'; readonly value: string; readonly at: SourcePosition }
  | { readonly kind: 'special'; readonly value: '[' | ']' | '(' | ')' | '{' | '}' | ',' | ';'; readonly at: SourcePosition }
  | { readonly kind: 'end'; readonly at: SourcePosition };

const SPECIALS = new Set(['[', ']', '(', ')', '{', '}', ',', ';']);
/** RFC 5228 §2.4.1 quantifiers: K, M, G are powers of 2. */
const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const IDENTIFIER_START = /[A-Za-z_]/;
const IDENTIFIER_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;

export class Lexer {
  private offset = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  next(): Token {
    this.skipSpaceAndComments();
    const at = this.position();
    if (this.offset >= this.text.length) return { kind: 'end', at };
    const c = this.text[this.offset]!;
    if (SPECIALS.has(c)) {
      this.offset++;
      return { kind: 'special', value: c as Extract<Token, { kind: 'special' }>['value'], at };
    }
    if (c === '"') return { kind: 'string', value: this.quotedString(at), at };
    if (c === ':') {
      this.offset++;
      if (!IDENTIFIER_START.test(this.text[this.offset] ?? '')) throw new SieveSyntaxError(at.line, at.column, 'a tag needs a name after ":"');
      return { kind: 'tag', value: this.identifier().toLowerCase(), at };
    }
    if (DIGIT.test(c)) return { kind: 'number', value: this.number(at), at };
    if (IDENTIFIER_START.test(c)) {
      const word = this.identifier();
      // RFC 5228 §8.1: "text:" starts a multi-line string.
      if (word.toLowerCase() === 'text' && this.text[this.offset] === ':') {
        this.offset++;
        return { kind: 'string', value: this.multiLine(at), at };
      }
      return { kind: 'identifier', value: word.toLowerCase(), at };
    }
    throw new SieveSyntaxError(at.line, at.column, `unexpected character ${JSON.stringify(c)}`);
  }

  private position(): SourcePosition {
    return { line: this.line, column: this.offset - this.lineStart + 1 };
  }

  private newLineAt(offset: number): void {
    this.line++;
    this.lineStart = offset + 1;
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.text[this.offset];
      if (c === ' ' || c === '\t' || c === '\r') this.offset++;
      else if (c === '\n') this.newLineAt(this.offset++);
      else if (c === '#') this.skipLine();
      else if (c === '/' && this.text[this.offset + 1] === '*') this.skipBracketComment();
      else return;
    }
  }

  private skipLine(): void {
    const end = this.text.indexOf('\n', this.offset);
    if (end < 0) {
      this.offset = this.text.length;
      return;
    }
    this.newLineAt(end);
    this.offset = end + 1;
  }

  private skipBracketComment(): void {
    const at = this.position();
    const end = this.text.indexOf('*/', this.offset + 2);
    if (end < 0) throw new SieveSyntaxError(at.line, at.column, 'comment "/*" is never closed');
    for (let i = this.offset; i < end; i++) if (this.text[i] === '\n') this.newLineAt(i);
    this.offset = end + 2;
  }

  private identifier(): string {
    const start = this.offset;
    while (IDENTIFIER_PART.test(this.text[this.offset] ?? '')) this.offset++;
    return this.text.slice(start, this.offset);
  }

  private number(at: SourcePosition): number {
    const start = this.offset;
    while (DIGIT.test(this.text[this.offset] ?? '')) this.offset++;
    const digits = this.text.slice(start, this.offset);
    const quantifier = QUANTIFIERS[(this.text[this.offset] ?? '').toLowerCase()];
    if (quantifier !== undefined) this.offset++;
    const value = Number(digits) * (quantifier ?? 1);
    if (!Number.isSafeInteger(value)) throw new SieveSyntaxError(at.line, at.column, `number ${digits} is too large`);
    return value;
  }

  /** RFC 5228 §2.4.2: `\\` and `\"` are escapes; a backslash before any other character is dropped. */
  private quotedString(at: SourcePosition): string {
    this.offset++;
    let value = '';
    for (;;) {
      if (this.offset >= this.text.length) throw new SieveSyntaxError(at.line, at.column, 'string is never closed');
      const c = this.text[this.offset++]!;
      if (c === '"') return value;
      if (c === '\\') {
        if (this.offset >= this.text.length) continue;
        const escaped = this.text[this.offset++]!;
        if (escaped === '\n') this.newLineAt(this.offset - 1);
        value += escaped;
      } else {
        if (c === '\n') this.newLineAt(this.offset - 1);
        value += c;
      }
      if (value.length > SIEVE_LIMITS.maxStringLength) throw new SieveSyntaxError(at.line, at.column, `string is longer than ${SIEVE_LIMITS.maxStringLength} characters`);
    }
  }

  /**
   * RFC 5228 §8.1 multi-line: "text:" *(SP / HTAB) (hash-comment / CRLF), then lines up to a line
   * holding only "."; a line starting with "." has it doubled (dot-stuffing).
   */
  private multiLine(at: SourcePosition): string {
    while (this.text[this.offset] === ' ' || this.text[this.offset] === '\t') this.offset++;
    if (this.text[this.offset] === '#') this.skipLine();
    else {
      if (this.text[this.offset] === '\r') this.offset++;
      if (this.text[this.offset] !== '\n') throw new SieveSyntaxError(at.line, at.column, '"text:" must be followed by the end of the line');
      this.newLineAt(this.offset++);
    }
    const lines: string[] = [];
    let length = 0;
    for (;;) {
      if (this.offset >= this.text.length) throw new SieveSyntaxError(at.line, at.column, 'multi-line string has no closing "." line');
      const newline = this.text.indexOf('\n', this.offset);
      const end = newline < 0 ? this.text.length : newline;
      const line = this.text.slice(this.offset, end).replace(/\r$/, '');
      this.offset = newline < 0 ? this.text.length : newline + 1;
      if (newline >= 0) this.newLineAt(newline);
      if (line === '.') return lines.map((l) => `${l}\r\n`).join('');
      const unstuffed = line.startsWith('..') ? line.slice(1) : line;
      length += unstuffed.length + 2;
      if (length > SIEVE_LIMITS.maxStringLength) throw new SieveSyntaxError(at.line, at.column, `string is longer than ${SIEVE_LIMITS.maxStringLength} characters`);
      lines.push(unstuffed);
    }
  }
}
