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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** `From sender Www Mmm dd hh:mm[:ss] [zone] yyyy [zone]`: asctime as RFC 4155 asks, with the zone some writers add. */
const FROM_LINE =
  /^From (\S*) +(?:[A-Z][a-z]{2},? +)?([A-Z][a-z]{2}) +(\d{1,2}) +(\d{1,2}):(\d{2})(?::(\d{2}))? +(?:[A-Z]{3,5} +|[+-]\d{4} +)?(\d{4})(?: +[+-]\d{4}| +[A-Z]{3,5})?$/;

/** The entries of an mbox in file order; at most one problem, always last. */
export function* readMbox(data: Buffer): Generator<MboxEntry> {
  // latin1 maps every byte to one char and back: offsets and bytes survive whatever the charset.
  const text = data.toString('latin1');
  let current: { bodyStart: number; date: Date; line: number } | null = null;
  let previousBlank = true;
  let lineNumber = 0;
  let pos = 0;
  while (pos < text.length) {
    const newline = text.indexOf('\n', pos);
    const end = newline === -1 ? text.length : newline + 1;
    const content = text.slice(pos, newline === -1 ? end : newline).replace(/\r$/, '');
    lineNumber++;
    if (previousBlank && content.startsWith('From ')) {
      const date = parseFromLine(content);
      if (date === null) {
        yield { kind: 'broken-from-line', line: lineNumber, detail: `not a valid "From " line: ${JSON.stringify(content.slice(0, 80))}` };
        return;
      }
      if (current) yield messageOf(text, current, pos);
      current = { bodyStart: end, date, line: lineNumber };
    } else if (current === null) {
      yield { kind: 'broken-from-line', line: lineNumber, detail: 'the file does not start with a "From " line: not an mbox' };
      return;
    }
    previousBlank = content === '';
    pos = end;
  }
  if (current === null) return;
  const last = messageOf(text, current, text.length);
  const truncated = truncation(text, last.raw);
  if (truncated) yield { kind: 'truncated', line: current.line, detail: `the last message (line ${current.line}) is cut short: ${truncated}` };
  else yield last;
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

function messageOf(text: string, current: { bodyStart: number; date: Date; line: number }, end: number): MboxMessage {
  // The blank line before the next "From " line is the separator, not part of the message.
  const body = text.slice(current.bodyStart, end).replace(/\r?\n(\r?\n)$/, '$1');
  const raw = body.replace(/^>(>*From )/gm, '$1').replace(/\r?\n/g, '\r\n');
  return { kind: 'message', raw: Buffer.from(raw, 'latin1'), date: current.date, line: current.line };
}

/** Why the last message looks cut short, or null. */
function truncation(text: string, raw: Buffer): string | null {
  if (!text.endsWith('\n')) return 'the file does not end with a line break';
  const message = raw.toString('latin1');
  const headerEnd = message.startsWith('\r\n') ? 0 : message.indexOf('\r\n\r\n');
  if (headerEnd === -1) return 'its header never ends';
  // RFC 2046 §5.1.1: a multipart ends with its close-delimiter "--boundary--".
  const header = message.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const contentType = /^content-type:[ \t]*multipart\/[^\r\n]*?;[^\r\n]*?\bboundary=(?:"([^"\r\n]+)"|([^\s;]+))/im.exec(header);
  const boundary = contentType?.[1] ?? contentType?.[2];
  if (boundary !== undefined && !message.includes(`\r\n--${boundary}--`)) return `its multipart body has no closing boundary "--${boundary}--"`;
  return null;
}
