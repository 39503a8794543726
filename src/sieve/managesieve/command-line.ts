import { InputTooLong, type SocketReader } from './reader.js';

/** A malformed command: answered `NO` with the reason (RFC 5804 §4: the server may close instead). */
export class CommandSyntaxError extends Error {
  override readonly name = 'CommandSyntaxError';
}

export type Word = { readonly kind: 'atom'; readonly value: string } | { readonly kind: 'string'; readonly value: string } | { readonly kind: 'number'; readonly value: number };

export interface CommandLine {
  readonly name: string;
  readonly args: readonly Word[];
}

/**
 * RFC 5804 §4 command = command-name *(SP argument) CRLF, where an argument is an atom, a number,
 * a quoted string or a literal (`{n+}` CRLF n octets, or the synchronising `{n}` some clients
 * send; either way no continuation is sent). Literals may continue the line after their octets.
 * `maxLiteral` bounds each literal before any octet of it is read.
 */
export async function readCommand(reader: SocketReader, maxLiteral: number): Promise<CommandLine | null> {
  const words: Word[] = [];
  let line = await reader.line();
  if (line === null) return null;
  let text = line.toString('utf8');
  let at = 0;
  for (;;) {
    while (text[at] === ' ') at++;
    if (at >= text.length) break;
    const c = text[at]!;
    if (c === '"') {
      const { value, end } = quoted(text, at);
      words.push({ kind: 'string', value });
      at = end;
    } else if (c === '{') {
      const match = /^\{(\d{1,10})\+?\}$/.exec(text.slice(at));
      if (!match) throw new CommandSyntaxError('bad literal');
      const size = Number(match[1]);
      if (size > maxLiteral) throw new InputTooLong(`literal of ${size} octets is over the limit of ${maxLiteral}`);
      const octets = await reader.octets(size);
      if (octets === null) return null;
      words.push({ kind: 'string', value: octets.toString('utf8') });
      line = await reader.line();
      if (line === null) return null;
      text = line.toString('utf8');
      at = 0;
    } else {
      const end = text.indexOf(' ', at);
      const atom = text.slice(at, end < 0 ? text.length : end);
      words.push(/^\d+$/.test(atom) ? { kind: 'number', value: Number(atom) } : { kind: 'atom', value: atom });
      at = end < 0 ? text.length : end;
    }
  }
  const first = words.shift();
  if (first === undefined) throw new CommandSyntaxError('empty command');
  if (first.kind !== 'atom') throw new CommandSyntaxError('a command starts with its name');
  return { name: first.value.toUpperCase(), args: words };
}

/** RFC 5804 §4 quoted: `\"` and `\\` are the only escapes; no CR or LF inside. */
function quoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\') {
      const next = text[++i];
      if (next !== '"' && next !== '\\') throw new CommandSyntaxError('bad escape in a quoted string');
      value += next;
    } else value += c;
  }
  throw new CommandSyntaxError('quoted string is not closed');
}
