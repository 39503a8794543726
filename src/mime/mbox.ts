import { createReadStream } from 'node:fs';

/**
 * mbox files (RFC 4155), read and written the "mboxrd" way: every message starts with a
 * `From <sender> <asctime date>` line, a body line matching /^>*From / gets one more ">" on
 * writing and loses one on reading, messages are separated by a blank line, lines end in LF.
 * Messages in the store end lines in CRLF (RFC 5322 §2.3): writing turns CRLF into LF, reading
 * turns every line end back into CRLF, so a message exported and imported again has the same bytes.
 *
 * Reading is strict, because an import must never store half a message as if it were whole:
 * - only a line starting with "From " at the start of the file or after a blank line separates
 *   messages; if it is not a valid `From ` line (sender and asctime date) the file is broken
 *   there — an unescaped body line or a damaged file — and reading stops BEFORE the message it
 *   would end, since that message may continue past it;
 * - the last message is truncated when the file does not end with a line break, when it has no
 *   blank line after its header, or when a multipart's closing boundary is missing; it is not
 *   returned.
 * Both cases end the entries with a problem naming the line, so the import can report it, and a
 * second run over the repaired or completed file picks up where this one stopped.
 */

export interface MboxMessage {
  readonly kind: 'message';
  /** The message with CRLF line ends, un-escaped, without its `From ` line and separator. */
  readonly raw: Buffer;
  /** The date of the `From ` line (UTC, as asctime has no zone), for the internal date. */
  readonly date: Date;
  /** 1-based line number of its `From ` line. */
  readonly line: number;
}

export interface MboxProblem {
  readonly kind: 'broken-from-line' | 'truncated';
  /** 1-based line number where reading stopped. */
  readonly line: number;
  readonly detail: string;
}

export type MboxEntry = MboxMessage | MboxProblem;

const CRLF = Buffer.from('\r\n');
/** Longer than any real `From ` line: only this much of a line is looked at as text. */
const MAX_FROM_LINE = 1000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** `From sender Www Mmm dd hh:mm[:ss] [zone] yyyy [zone]`: asctime as RFC 4155 asks, with the zone some writers add. */
const FROM_LINE =
  /^From (\S*) +(?:[A-Z][a-z]{2},? +)?([A-Z][a-z]{2}) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))? +(?:[A-Z]{3,5} +|[+-]\d{4} +)?(\d{4})(?: +[+-]\d{4}| +[A-Z]{3,5})?$/;

/** The entries of an mbox held in memory, in file order; at most one problem, always last. */
export function* readMbox(data: Buffer): Generator<MboxEntry> {
  const parser = new MboxParser();
  for (let pos = 0; pos < data.length && !parser.finished; ) {
    const newline = data.indexOf(0x0a, pos);
    const end = newline === -1 ? data.length : newline + 1;
    yield* parser.line(data.subarray(pos, end));
    pos = end;
  }
  yield* parser.end();
}

/**
 * The entries of an mbox file, read as a stream: one message in memory at a time, so an old
 * system's multi-gigabyte mailbox imports like a small one.
 */
export async function* readMboxFile(file: string, chunkSize = 1 << 20): AsyncGenerator<MboxEntry> {
  const parser = new MboxParser();
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: chunkSize }) as AsyncIterable<Buffer>) {
    let data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let newline = data.indexOf(0x0a);
    while (newline !== -1) {
      yield* parser.line(data.subarray(0, newline + 1));
      if (parser.finished) return;
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
    }
    rest = Buffer.from(data);
  }
  if (rest.length > 0) yield* parser.line(rest);
  yield* parser.end();
}

/** The mbox grammar, fed one line at a time (with its line end; the file's last line may have none). */
class MboxParser {
  finished = false;
  private current: { lines: Buffer[]; date: Date; line: number } | null = null;
  private previousBlank = true;
  private lineNumber = 0;
  private lastLineEnded = true;

  *line(bytes: Buffer): Generator<MboxEntry> {
    if (this.finished) return;
    this.lineNumber++;
    this.lastLineEnded = bytes.at(-1) === 0x0a;
    // latin1 maps every byte to one char: a test on the first bytes, whatever the charset.
    const content = bytes.toString('latin1', 0, Math.min(bytes.length, MAX_FROM_LINE)).replace(/\r?\n$/, '');
    if (this.previousBlank && content.startsWith('From ')) {
      const date = parseFromLine(content);
      if (date === null) {
        this.finished = true;
        yield { kind: 'broken-from-line', line: this.lineNumber, detail: `not a valid "From " line: ${JSON.stringify(content.slice(0, 80))}` };
        return;
      }
      if (this.current) yield messageOf(this.current.lines.slice(0, -1), this.current);
      this.current = { lines: [], date, line: this.lineNumber };
    } else if (this.current === null) {
      this.finished = true;
      yield { kind: 'broken-from-line', line: this.lineNumber, detail: 'the file does not start with a "From " line: not an mbox' };
      return;
    } else {
      this.current.lines.push(bytes);
    }
    this.previousBlank = content === '';
  }

  *end(): Generator<MboxEntry> {
    if (this.finished || this.current === null) return;
    this.finished = true;
    const { lines, line } = this.current;
    // The blank line that ends the file is the last separator, not part of the message.
    const last = messageOf(this.previousBlank && this.lastLineEnded ? lines.slice(0, -1) : lines, this.current);
    const truncated = this.lastLineEnded ? truncation(last.raw) : 'the file does not end with a line break';
    if (truncated) yield { kind: 'truncated', line, detail: `the last message (line ${line}) is cut short: ${truncated}` };
    else yield last;
  }
}

/** One message as it goes into an mbox: `From ` line, escaped LF body, blank separator line. */
export function formatMboxMessage(raw: Buffer, sender: string, date: Date): Buffer {
  const body = raw
    .toString('latin1')
    .replace(/\r\n/g, '\n')
    .replace(/^(>*From )/gm, '>$1');
  const ended = body.endsWith('\n') ? body : `${body}\n`;
  return Buffer.from(`From ${sender || 'MAILER-DAEMON'} ${asctime(date)}\n${ended}\n`, 'latin1');
}

/** RFC 4155 / asctime: `Sat Nov 28 07:30:23 2026`, in UTC. */
export function asctime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ${time} ${date.getUTCFullYear()}`;
}

function parseFromLine(line: string): Date | null {
  const match = FROM_LINE.exec(line);
  if (!match) return null;
  const [, , month, day, hours, minutes, seconds, year] = match;
  const monthIndex = MONTHS.indexOf(month!);
  if (monthIndex === -1) return null;
  const date = new Date(Date.UTC(Number(year), monthIndex, Number(day), Number(hours), Number(minutes), Number(seconds ?? 0)));
  return Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(day) ? null : date;
}

/** Un-escapes ">From " (mboxrd) and ends every line with CRLF (RFC 5322 §2.3). */
function messageOf(lines: readonly Buffer[], current: { date: Date; line: number }): MboxMessage {
  const parts: Buffer[] = [];
  for (const line of lines) {
    let start = 0;
    if (line[0] === 0x3e && /^>+From /.test(line.toString('latin1', 0, 64))) start = 1;
    let end = line.length;
    if (line[end - 1] === 0x0a) end--;
    if (line[end - 1] === 0x0d) end--;
    parts.push(line.subarray(start, end), CRLF);
  }
  return { kind: 'message', raw: Buffer.concat(parts), date: current.date, line: current.line };
}

/** Why a message that ends the file looks cut short, or null. */
function truncation(raw: Buffer): string | null {
  const headerEnd = raw[0] === 0x0d && raw[1] === 0x0a ? 0 : raw.indexOf('\r\n\r\n');
  if (headerEnd === -1) return 'its header never ends';
  // RFC 2046 §5.1.1: a multipart ends with its close-delimiter "--boundary--".
  const header = raw.toString('latin1', 0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const contentType = /^content-type:[ \t]*multipart\/[^\r\n]*?;[^\r\n]*?\bboundary=(?:"([^"\r\n]+)"|([^\s;]+))/im.exec(header);
  const boundary = contentType?.[1] ?? contentType?.[2];
  if (boundary !== undefined && raw.indexOf(`\r\n--${boundary}--`, headerEnd, 'latin1') === -1) {
    return `its multipart body has no closing boundary "--${boundary}--"`;
  }
  return null;
}
