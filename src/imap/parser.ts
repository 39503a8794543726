/**
 * Reading IMAP commands (RFC 3501 §2.2, grammar §9).
 *
 * Two layers:
 *
 * 1. CommandReader frames the byte stream into whole commands. It is pulled by the session
 *    (`await reader.next(limits)`), so a continuation `+` is only ever sent while no other command
 *    is in progress and pipelined input simply waits in the buffer. A line ending in `{n}` is a
 *    synchronising literal: the reader answers `+ Ready` and then takes n octets; `{n+}` is a
 *    non-synchronising literal (RFC 7888 LITERAL+) whose octets follow at once. Limits:
 *      - a line (without literals) longer than MAX_LINE → {kind:'too-long'}; the reader skips to
 *        the end of that line, so the connection stays in sync;
 *      - a literal above the limit (APPENDLIMIT for APPEND; for any other command
 *        MAX_ARGUMENT_LITERAL, and no more than MAX_COMMAND for the whole command) is refused
 *        BEFORE its data is read ({kind:'too-big'}, RFC 7889): a synchronising one gets no `+`,
 *        so the client never sends it; a LITERAL+ one is read and thrown away, counted, unbuffered;
 *      - an APPEND literal up to `[limits] spool_threshold` reserves its octets in the all-sessions
 *        memory budget before it is read (`[limits] memory_ceiling`); past the ceiling it is refused
 *        the same way ({kind:'in-use'}). The reservation travels with the command and the session
 *        releases it after running it;
 *      - an APPEND literal past `spool_threshold` is written to a spool file as it arrives
 *        (src/limits/spool.ts), a socket chunk at a time, and reserves nothing; the files travel
 *        with the command ({kind:'command'}.spooled) and the session removes them after running
 *        it; every other path (client gone mid-literal, a later literal refused) removes them here.
 *        A file that cannot be written (disk full) is {kind:'unstorable'}, the rest of the command
 *        read away as for a refused literal;
 *      - all the literals of one APPEND together (RFC 3502 MULTIAPPEND sends several) stay within
 *        `appendTotal`, since the command stores them in one transaction, all held at once; and
 *        there are at most MAX_APPEND_MESSAGES of them ({kind:'too-many'}, refused like a
 *        literal that is too big, so nothing of the command is stored).
 *    The raw command returned keeps literals inline (`{n}\r\n` + data), so ArgReader can parse
 *    it like any other string; a spooled literal's data is not in it (ArgReader.appendData).
 *
 * 2. ArgReader reads arguments from one framed command. Every command parses through it:
 *    atom, astring, string (quoted or literal, as Buffer), nstring, number, nzNumber, list(item),
 *    mailbox (modified UTF-7 → UTF-8, or UTF-8 under UTF8=ACCEPT; INBOX in any case → "INBOX"),
 *    listPattern, flag, flagList, date, dateTime, space, end. Each throws ParseError (→ tagged BAD).
 */
import type { Readable } from 'node:stream';
import type { SpoolFile } from '../limits/index.js';
import { canonicalMailboxName } from '../store/index.js';
import { decodeMutf7, Mutf7Error } from './mutf7.js';
import { ImapError, ParseError } from './errors.js';

/** Longest command line we read, literals excluded (RFC 7162 §4 asks for at least 8192 octets). */
export const MAX_LINE = 64 * 1024;
/** Largest literal accepted outside APPEND (a password, a search string, a mailbox name). */
export const MAX_ARGUMENT_LITERAL = 64 * 1024;
/**
 * Largest command other than APPEND, lines and literals together: many small literals must not
 * add up to a message-sized command (only APPEND carries message data, RFC 3501 §6.3.11).
 */
export const MAX_COMMAND = 256 * 1024;
/**
 * Refused LITERAL+ octets we read away, as a multiple of the largest literal the command could have
 * sent (APPENDLIMIT or MAX_COMMAND), before giving up on the client and closing.
 */
const DISCARD_FACTOR = 2;
/** Bytes of a too-long line we skip before giving up on the client and closing. */
const MAX_SKIP = 1024 * 1024;
/**
 * Messages in one APPEND (RFC 3502 MULTIAPPEND). The command is all or none, so its messages are
 * checked, analysed and stored in one transaction while the connection waits, and each one past
 * `[limits] spool_threshold` holds an open spool file until the command ends: without a count,
 * thousands of tiny literals within the octet bounds would make one transaction of thousands of
 * rows and a connection could hold hundreds of file descriptors. A client that sends more gets
 * `NO [LIMIT]` and can send the rest in further commands.
 */
export const MAX_APPEND_MESSAGES = 100;
/** Buffered, unread input above which we stop reading from the socket (back-pressure). */
const HIGH_WATER = 256 * 1024;

export type Frame =
  /** A whole command (tag, name, arguments, literals inline), without the final CRLF. */
  | { readonly kind: 'command'; readonly raw: Buffer; readonly reservation: LiteralReservation | null; readonly spooled: SpooledLiterals }
  /** A line longer than MAX_LINE was skipped; `tag` is its first word when it looked like one. */
  | { readonly kind: 'too-long'; readonly tag: string | null }
  /** A literal above `limit` was refused before it was read; the rest of the command was skipped. */
  | { readonly kind: 'too-big'; readonly tag: string | null; readonly size: number; readonly limit: number; readonly append: boolean }
  /** An APPEND's literal past MAX_APPEND_MESSAGES was refused before it was read; the rest of the command was skipped. */
  | { readonly kind: 'too-many'; readonly tag: string | null; readonly limit: number }
  /** An APPEND literal that would pass the memory ceiling was refused before it was read. */
  | { readonly kind: 'in-use'; readonly tag: string | null; readonly size: number }
  /** An APPEND literal could not be written to its spool file (`error`, e.g. ENOSPC); nothing was kept. */
  | { readonly kind: 'unstorable'; readonly tag: string | null; readonly error: unknown }
  /** The client closed (flood false), or sent more for one command than we will read (flood true). */
  | { readonly kind: 'end'; readonly flood: boolean };

/** Octets held for a command's literals (src/limits MemoryReservation); released once. */
export interface LiteralReservation {
  grow(more: number): boolean;
  release(): void;
}

/**
 * The APPEND literals of a command that went to spool files, by the offset in `raw` where their
 * data would have started (just after `{n}\r\n`).
 */
export type SpooledLiterals = ReadonlyMap<number, SpoolFile>;

export interface FrameLimits {
  /** Largest APPEND literal: APPENDLIMIT once logged in, MAX_ARGUMENT_LITERAL before. */
  readonly appendLimit: number;
  /** Largest sum of one APPEND's literals (RFC 3502 MULTIAPPEND): what the command may hold at once. */
  readonly appendTotal: number;
  /** Reserves memory for an APPEND literal about to be read; null when over the ceiling. */
  readonly reserve: (bytes: number) => LiteralReservation | null;
  /** An APPEND literal of more octets than this goes to a spool file as it arrives. */
  readonly spoolThreshold: number;
  /** A new, empty spool file (src/limits MessageSpool.create). */
  readonly spoolFile: () => Promise<SpoolFile>;
}

/** Removes the spool files of a command, on any path; safe to call more than once. */
export async function removeSpooled(spooled: SpooledLiterals): Promise<void> {
  await Promise.all([...spooled.values()].map((file) => file.remove()));
}

const LITERAL_AT_END = /\{(\d{1,20})(\+?)\}$/;
const TAG_AND_NAME = /^[^\s(){%*"\\\]]+ (UID )?([A-Za-z]+)/;

/**
 * Pull-based framer over a socket. `attach` replaces the stream (STARTTLS) and drops anything
 * buffered from the old one: plaintext pipelined after STARTTLS must not be executed inside TLS.
 */
export class CommandReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private wake: (() => void) | null = null;
  private stream: Readable | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered > HIGH_WATER) this.stream?.pause();
    this.notify();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  constructor(
    stream: Readable,
    private readonly sendContinuation: () => void,
  ) {
    this.attach(stream);
  }

  attach(stream: Readable): void {
    if (this.stream) {
      this.stream.removeListener('data', this.onData);
      this.stream.removeListener('end', this.onEnd);
      this.stream.removeListener('close', this.onEnd);
    }
    this.chunks = [];
    this.buffered = 0;
    this.stream = stream;
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
  }

  /** Whether input is waiting that the session has not asked for yet (pipelining). */
  get hasBufferedInput(): boolean {
    return this.buffered > 0;
  }

  /** The next whole command. */
  async next(limits: FrameLimits): Promise<Frame> {
    const parts: Buffer[] = [];
    /** Octets of the command: lines and literals, spooled ones included. */
    let total = 0;
    /** Octets of its lines alone: held in memory, reserved nowhere. */
    let lineTotal = 0;
    /** Octets in `parts`, where the next literal's data starts. */
    let rawLength = 0;
    let reservation: LiteralReservation | null = null;
    let appendLiterals = 0;
    const spooled = new Map<number, SpoolFile>();
    const fail = async (frame: Frame): Promise<Frame> => {
      reservation?.release();
      await removeSpooled(spooled);
      return frame;
    };
    for (;;) {
      const line = await this.readLine();
      if (line === 'end') return fail({ kind: 'end', flood: !this.ended });
      if (!Buffer.isBuffer(line)) return fail({ kind: 'too-long', tag: guessTag(parts[0] ?? line.head) });
      parts.push(line);
      total += line.length;
      lineTotal += line.length;
      rawLength += line.length;
      // Literals are bounded by the limits below; lines (each ending in a literal, even an empty
      // one) must not add up to an unbounded command, APPEND included.
      if (lineTotal > MAX_COMMAND + MAX_LINE) return fail({ kind: 'end', flood: true });
      const match = LITERAL_AT_END.exec(line.toString('latin1'));
      if (!match) return { kind: 'command', raw: Buffer.concat(parts), reservation, spooled };
      const size = Number(match[1]);
      const synchronising = match[2] === '';
      const head = TAG_AND_NAME.exec(parts[0]!.toString('latin1'));
      const isAppend = head?.[1] === undefined && head?.[2]?.toUpperCase() === 'APPEND';
      const limit = isAppend
        ? Math.max(0, Math.min(limits.appendLimit, limits.appendTotal - total))
        : Math.max(0, Math.min(MAX_ARGUMENT_LITERAL, MAX_COMMAND - total));
      const toSpool = isAppend && size > limits.spoolThreshold;
      let refused: Frame | null = null;
      let file: SpoolFile | null = null;
      if (isAppend) appendLiterals++;
      if (appendLiterals > MAX_APPEND_MESSAGES) {
        refused = { kind: 'too-many', tag: guessTag(parts[0]), limit: MAX_APPEND_MESSAGES };
      } else if (size > limit) {
        refused = { kind: 'too-big', tag: guessTag(parts[0]), size, limit, append: isAppend };
      } else if (toSpool) {
        try {
          file = await limits.spoolFile();
        } catch (error) {
          refused = { kind: 'unstorable', tag: guessTag(parts[0]), error };
        }
      } else if (isAppend) {
        const held = reservation ? reservation.grow(size) : (reservation = limits.reserve(size)) !== null;
        if (!held) refused = { kind: 'in-use', tag: guessTag(parts[0]), size };
      }
      if (refused) {
        // RFC 7888 §4: a refused non-synchronising literal is already on its way; we read it away
        // (counted, never kept) up to a bound, and past the bound end the connection.
        if (!synchronising && !(await this.skipRest(size, this.discardBound(limits)))) return fail({ kind: 'end', flood: !this.ended });
        return fail(refused);
      }
      if (synchronising) this.sendContinuation();
      parts.push(Buffer.from('\r\n'));
      rawLength += 2;
      total += size;
      if (file) {
        spooled.set(rawLength, file);
        const written = await this.spoolExact(size, file);
        if (written === 'end') return fail({ kind: 'end', flood: false });
        if (written !== 'ok') {
          if (!(await this.skipRest(0, this.discardBound(limits)))) return fail({ kind: 'end', flood: !this.ended });
          return fail({ kind: 'unstorable', tag: guessTag(parts[0]), error: written.error });
        }
        continue;
      }
      const data = await this.readExact(size);
      if (data === null) return fail({ kind: 'end', flood: false });
      parts.push(data);
      rawLength += size;
    }
  }

  /** Refused LITERAL+ octets we read away before giving up on the client. */
  private discardBound(limits: FrameLimits): number {
    return DISCARD_FACTOR * Math.max(limits.appendLimit, MAX_COMMAND);
  }

  /**
   * n octets of input into `file`, a buffered chunk at a time: the socket is paused past
   * HIGH_WATER, so the octets held in memory stay below it whatever the literal's size. When the
   * file cannot be written, the rest of the literal is read away (the connection stays in step).
   */
  private async spoolExact(n: number, file: SpoolFile): Promise<'ok' | 'end' | { readonly error: unknown }> {
    let left = n;
    while (left > 0) {
      const piece = this.takeFront(left);
      if (piece === null) {
        if (!(await this.more())) return 'end';
        continue;
      }
      left -= piece.length;
      try {
        await file.write(piece);
      } catch (error) {
        return (await this.discard(left)) ? { error } : 'end';
      }
    }
    return 'ok';
  }

  /** One line of client input, e.g. an AUTHENTICATE response or IDLE's DONE (RFC 2177). */
  async nextLine(): Promise<Buffer | null> {
    for (;;) {
      const line = await this.readLine();
      if (line === 'end') return null;
      if (Buffer.isBuffer(line)) return line;
    }
  }

  /**
   * After refusing a LITERAL+ literal, reads its octets and the rest of the command away without
   * keeping them, `bound` octets of literals at most (false past it, as at the end of input):
   * further LITERAL+ literals are skipped too; a synchronising one ends the command, since the
   * client waits for a `+` that will not come and reads our tagged answer instead.
   */
  private async skipRest(size: number, bound: number): Promise<boolean> {
    let pending = size;
    let skipped = 0;
    for (;;) {
      skipped += pending;
      if (skipped > bound || !(await this.discard(pending))) return false;
      const line = await this.readLine();
      if (line === 'end') return false;
      if (!Buffer.isBuffer(line)) return true;
      const match = LITERAL_AT_END.exec(line.toString('latin1'));
      if (!match || match[2] === '') return true;
      pending = Number(match[1]);
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async more(): Promise<boolean> {
    if (this.ended) return false;
    this.stream?.resume();
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    return true;
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): Buffer {
    const all = this.flatten();
    const taken = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    if (this.buffered <= HIGH_WATER) this.stream?.resume();
    return taken;
  }

  /**
   * A line without its CRLF (a bare LF is accepted as well, as most servers do). Only chunks not
   * searched yet are searched, and they are joined once the line end is there: a line arriving in
   * thousands of tiny segments costs its length, not its length times the number of segments.
   */
  private async readLine(): Promise<Buffer | 'end' | { readonly head: Buffer }> {
    let searchedChunks = 0;
    let searchedBytes = 0;
    for (;;) {
      let lf = -1;
      for (; lf < 0 && searchedChunks < this.chunks.length; searchedChunks++) {
        const chunk = this.chunks[searchedChunks]!;
        const at = chunk.indexOf(0x0a);
        if (at >= 0) lf = searchedBytes + at;
        else searchedBytes += chunk.length;
      }
      if (lf >= 0 && lf <= MAX_LINE) {
        const line = this.consume(lf + 1);
        return line.subarray(0, lf > 0 && line[lf - 1] === 0x0d ? lf - 1 : lf);
      }
      if (this.buffered > MAX_LINE) {
        const head = Buffer.from(this.flatten().subarray(0, 80));
        return (await this.skipLine()) ? { head } : 'end';
      }
      if (!(await this.more())) return 'end';
    }
  }

  private async skipLine(): Promise<boolean> {
    let skipped = 0;
    for (;;) {
      const all = this.flatten();
      const lf = all.indexOf(0x0a);
      if (lf >= 0) {
        this.consume(lf + 1);
        return true;
      }
      skipped += all.length;
      this.consume(all.length);
      if (skipped > MAX_SKIP) return false;
      if (!(await this.more())) return false;
    }
  }

  /** n octets into one buffer of exactly that size, copied once from the chunks as they come. */
  private async readExact(n: number): Promise<Buffer | null> {
    const data = Buffer.allocUnsafe(n);
    let filled = 0;
    for (;;) {
      filled += this.take(n - filled, data, filled);
      if (filled === n) return data;
      if (!(await this.more())) return null;
    }
  }

  /** Drops n octets of input as they come, never holding more than a chunk of them. */
  private async discard(n: number): Promise<boolean> {
    let left = n;
    for (;;) {
      left -= this.take(left, null, 0);
      if (left === 0) return true;
      if (!(await this.more())) return false;
    }
  }

  /** The first buffered chunk, or its first n octets, taken off the front without a copy; null when nothing is buffered. */
  private takeFront(n: number): Buffer | null {
    const chunk = this.chunks[0];
    if (!chunk) return null;
    const piece = chunk.subarray(0, n);
    this.take(piece.length, null, 0);
    return piece;
  }

  /** Takes up to n buffered octets off the front, copying them into `into` at `at` when given. */
  private take(n: number, into: Buffer | null, at: number): number {
    let taken = 0;
    while (taken < n && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const count = Math.min(chunk.length, n - taken);
      if (into) chunk.copy(into, at + taken, 0, count);
      if (count === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(count);
      taken += count;
    }
    this.buffered -= taken;
    if (this.buffered <= HIGH_WATER) this.stream?.resume();
    return taken;
  }
}

function guessTag(line: Buffer | undefined): string | null {
  if (!line) return null;
  const match = /^([^\s(){%*"\\\]+]{1,64})[ \r\n]/.exec(line.subarray(0, 80).toString('latin1'));
  return match ? match[1]! : null;
}

// --- arguments -------------------------------------------------------------------------------

const SP = 0x20;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** RFC 3501 §9 atom-specials: ( ) { SP CTL % * " \ ] — and 8-bit, which is never an atom. */
function isAtomChar(b: number): boolean {
  return b > 0x20 && b < 0x7f && b !== 0x28 && b !== 0x29 && b !== 0x7b && b !== 0x25 && b !== 0x2a && b !== DQUOTE && b !== BACKSLASH && b !== 0x5d;
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials ("]"). */
function isAstringChar(b: number): boolean {
  return isAtomChar(b) || b === 0x5d;
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials. */
function isListChar(b: number): boolean {
  return isAstringChar(b) || b === 0x25 || b === 0x2a;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ArgOptions {
  /** RFC 6855: after ENABLE UTF8=ACCEPT, mailbox names are UTF-8 rather than modified UTF-7. */
  readonly utf8: boolean;
  /** RFC 5182 `$`: the saved search result as UIDs or sequence numbers (ascending); absent: none saved. */
  readonly savedResult?: (as: 'uid' | 'seq') => readonly number[];
  /** RFC 5182 §2.1: empties `$` (a RETURN (SAVE) command that fails, even in its own arguments). */
  readonly forgetSavedResult?: () => void;
}

/** The data of an APPEND message literal: in the command, or in the spool file it was written to. */
export type AppendData = { readonly size: number; readonly bytes: Buffer; readonly file?: never } | { readonly size: number; readonly file: SpoolFile; readonly bytes?: never };

export class ArgReader {
  pos: number;

  constructor(
    readonly raw: Buffer,
    private readonly options: ArgOptions,
    start = 0,
    private readonly spooled: SpooledLiterals = new Map(),
  ) {
    this.pos = start;
  }

  /** RFC 5182 §2.1: what `$` stands for here; empty when nothing was saved. */
  savedResult(as: 'uid' | 'seq'): readonly number[] {
    return this.options.savedResult?.(as) ?? [];
  }

  /** RFC 5182 §2.1: `$` becomes empty. */
  forgetSavedResult(): void {
    this.options.forgetSavedResult?.();
  }

  /** Nothing left of the command. */
  atEnd(): boolean {
    return this.pos >= this.raw.length;
  }

  /** The next octet without consuming it. */
  peek(): number | undefined {
    return this.raw[this.pos];
  }

  /** Whether the input continues with `text` (ASCII, case-insensitive). */
  peekText(text: string): boolean {
    const slice = this.raw.subarray(this.pos, this.pos + text.length).toString('latin1');
    return slice.toUpperCase() === text.toUpperCase();
  }

  /** Consumes `text` (case-insensitive) if it comes next. */
  take(text: string): boolean {
    if (!this.peekText(text)) return false;
    this.pos += text.length;
    return true;
  }

  expect(text: string): void {
    if (!this.take(text)) throw this.error(`expected "${text}"`);
  }

  space(): void {
    if (this.raw[this.pos] !== SP) throw this.error('expected a space');
    this.pos++;
  }

  /** The command must be over: nothing follows (RFC 3501: no trailing space either). */
  end(): void {
    if (!this.atEnd()) throw this.error('unexpected text at end of command');
  }

  /** Octets while `accept` holds; at least one. */
  readWhile(accept: (b: number) => boolean, what: string): string {
    const start = this.pos;
    while (this.pos < this.raw.length && accept(this.raw[this.pos]!)) this.pos++;
    if (this.pos === start) throw this.error(`expected ${what}`);
    return this.raw.toString('latin1', start, this.pos);
  }

  atom(): string {
    return this.readWhile(isAtomChar, 'an atom');
  }

  /** An atom, returned upper-cased: command names, search keys, status items. */
  keyword(): string {
    return this.atom().toUpperCase();
  }

  /** Quoted string or literal, as raw octets. */
  string(): Buffer {
    const b = this.raw[this.pos];
    if (b === DQUOTE) return this.quoted();
    if (b === 0x7b || (b === 0x7e && this.raw[this.pos + 1] === 0x7b)) return this.literal();
    throw this.error('expected a string');
  }

  /** astring = 1*ASTRING-CHAR / string. */
  astring(): Buffer {
    const b = this.raw[this.pos];
    if (b === DQUOTE || b === 0x7b) return this.string();
    return Buffer.from(this.readWhile(isAstringChar, 'an astring'), 'latin1');
  }

  /** An astring as UTF-8 text (user names, passwords, header names). */
  astringText(): string {
    return this.astring().toString('utf8');
  }

  /** nstring = string / NIL. */
  nstring(): Buffer | null {
    if (this.peekNil()) return null;
    return this.string();
  }

  /** number = 1*DIGIT, at most 2^32-1 (RFC 3501 §9). */
  number(): number {
    const text = this.readWhile((b) => b >= 0x30 && b <= 0x39, 'a number');
    const n = Number(text);
    if (text.length > 10 || n > 0xffffffff) throw this.error('number out of range');
    return n;
  }

  nzNumber(): number {
    const n = this.number();
    if (n === 0) throw this.error('expected a number greater than zero');
    return n;
  }

  /** RFC 7162 mod-sequence-value: 1*DIGIT up to 2^63-1; we keep it within JS's exact integers. */
  modSeq(): number {
    const text = this.readWhile((b) => b >= 0x30 && b <= 0x39, 'a mod-sequence');
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw this.error('mod-sequence out of range');
    return n;
  }

  /** "(" [item *(SP item)] ")"; `allowEmpty` false requires at least one item. */
  list<T>(item: () => T, allowEmpty = true): T[] {
    this.expect('(');
    const items: T[] = [];
    if (this.take(')')) {
      if (!allowEmpty) throw this.error('empty list');
      return items;
    }
    for (;;) {
      items.push(item());
      if (this.take(')')) return items;
      this.space();
    }
  }

  /**
   * A mailbox argument as the store spells it (UTF-8 NFC; INBOX in any case is "INBOX", RFC 3501
   * §5.1). A valid astring that is not modified UTF-7 is well-formed syntax naming no mailbox we
   * can have: NO, not BAD (RFC 3501 §7.1.3 keeps BAD for syntax errors), as Dovecot answers.
   */
  mailbox(): string {
    const name = this.decodeName(this.astring());
    if (name instanceof Mutf7Error) throw new ImapError('NO', 'CANNOT', name.message);
    return canonicalMailboxName(name);
  }

  /**
   * list-mailbox of LIST/LSUB (RFC 3501 §6.3.8): astring-like, with % and * allowed unquoted;
   * null for one that is not modified UTF-7, which no mailbox name matches (LIST answers OK).
   */
  listPattern(): string | null {
    const b = this.raw[this.pos];
    const bytes = b === DQUOTE || b === 0x7b ? this.string() : Buffer.from(this.readWhile(isListChar, 'a mailbox pattern'), 'latin1');
    const name = this.decodeName(bytes);
    return name instanceof Mutf7Error ? null : name;
  }

  /** flag = "\Answered" / … / "\" atom / keyword (RFC 3501 §9); returned as written. */
  flag(): string {
    if (this.raw[this.pos] === BACKSLASH) {
      this.pos++;
      return '\\' + this.atom();
    }
    return this.atom();
  }

  /** flag-list = "(" [flag *(SP flag)] ")". */
  flagList(): string[] {
    return this.list(() => this.flag());
  }

  /** date = date-text / DQUOTE date-text DQUOTE; date-text = d-Mon-yyyy. Midnight UTC of that day. */
  date(): Date {
    const quoted = this.take('"');
    const text = this.readWhile((b) => b === 0x2d || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a), 'a date');
    if (quoted) this.expect('"');
    const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
    const month = match ? monthIndex(match[2]!) : -1;
    if (!match || month < 0) throw this.error('expected a date like 1-Feb-2026');
    return checkedDate(Date.UTC(Number(match[3]), month, Number(match[1])), Number(match[1]), this);
  }

  /** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE. */
  dateTime(): Date {
    const text = this.quoted().toString('latin1');
    const match = /^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(text);
    const month = match ? monthIndex(match[2]!) : -1;
    if (!match || month < 0) throw this.error('expected a date-time like "01-Feb-2026 10:00:00 +0700"');
    const [, day, , year, hh, mm, ss, sign, zh, zm] = match;
    const offset = (sign === '-' ? -1 : 1) * (Number(zh) * 60 + Number(zm));
    if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60 || Number(zm) > 59) throw this.error('time out of range');
    const utc = Date.UTC(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss)) - offset * 60_000;
    return checkedDate(Date.UTC(Number(year), month, Number(day)), Number(day), this, utc);
  }

  /** A ParseError that says where the problem is. */
  error(message: string): ParseError {
    return new ParseError(`${message} at octet ${this.pos}`);
  }

  private peekNil(): boolean {
    if (!this.peekText('NIL')) return false;
    const after = this.raw[this.pos + 3];
    if (after !== undefined && isAtomChar(after)) return false;
    this.pos += 3;
    return true;
  }

  private quoted(): Buffer {
    this.expect('"');
    const out: number[] = [];
    for (;;) {
      const b = this.raw[this.pos++];
      if (b === undefined || b === 0x0d || b === 0x0a) throw this.error('unterminated quoted string');
      if (b === DQUOTE) return Buffer.from(out);
      if (b === BACKSLASH) {
        const escaped = this.raw[this.pos++];
        if (escaped !== DQUOTE && escaped !== BACKSLASH) throw this.error('only \\" and \\\\ may be escaped in a quoted string');
        out.push(escaped);
      } else {
        out.push(b);
      }
    }
  }

  /**
   * The message of APPEND (RFC 3501 §6.3.11: a literal; RFC 3516 / RFC 6855 literal8 as well): its
   * octets, or the spool file the reader wrote a large one to.
   */
  appendData(): AppendData {
    const size = this.literalPrefix();
    const file = this.spooled.get(this.pos);
    if (file) return { size, file };
    return { size, bytes: this.literalData(size) };
  }

  private literal(): Buffer {
    const size = this.literalPrefix();
    // Only APPEND's message literals are spooled (CommandReader); anywhere else one is out of place.
    if (this.spooled.has(this.pos)) throw this.error('a literal this large is only accepted as an APPEND message');
    return this.literalData(size);
  }

  /** `{n}`, `{n+}` and RFC 3516 literal8 `~{n}` (accepted where a literal is) with the CRLF; returns n. */
  private literalPrefix(): number {
    this.take('~');
    this.expect('{');
    const size = this.number();
    this.take('+');
    this.expect('}\r\n');
    return size;
  }

  private literalData(size: number): Buffer {
    if (this.pos + size > this.raw.length) throw this.error('literal shorter than announced');
    const data = this.raw.subarray(this.pos, this.pos + size);
    this.pos += size;
    return data;
  }

  private decodeName(bytes: Buffer): string | Mutf7Error {
    if (this.options.utf8) {
      const text = bytes.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(bytes)) throw this.error('mailbox name is not valid UTF-8');
      return text;
    }
    try {
      return decodeMutf7(bytes.toString('latin1'));
    } catch (err) {
      if (err instanceof Mutf7Error) return err;
      throw err;
    }
  }
}

function monthIndex(name: string): number {
  return MONTHS.findIndex((m) => m.toLowerCase() === name.toLowerCase());
}

function checkedDate(dayStart: number, day: number, reader: ArgReader, exact = dayStart): Date {
  if (new Date(dayStart).getUTCDate() !== day) throw reader.error('no such day');
  return new Date(exact);
}
