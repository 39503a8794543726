import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ParseError } from '../../src/imap/errors.js';
import { MemoryBudget, MessageSpool, type SpoolFile } from '../../src/limits/index.js';
import { ArgReader, CommandReader, MAX_ARGUMENT_LITERAL, MAX_LINE, removeSpooled, type Frame } from '../../src/imap/parser.js';

const reader = (text: string | Buffer, utf8 = false): ArgReader => new ArgReader(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'), { utf8 });

describe('ArgReader', () => {
  test('reads atoms, quoted strings, literals and NIL', () => {
    const args = reader('abc "q \\"x\\" \\\\" {3}\r\nl\r\n NIL "NIL"');
    expect(args.atom()).toBe('abc');
    args.space();
    expect(args.string().toString()).toBe('q "x" \\');
    args.space();
    expect(args.astring().toString()).toBe('l\r\n');
    args.space();
    expect(args.nstring()).toBeNull();
    args.space();
    expect(args.nstring()?.toString()).toBe('NIL');
    args.end();
  });

  test('LITERAL+ and literal8 forms are strings too', () => {
    const args = reader('{2+}\r\nab ~{1}\r\nc');
    expect(args.string().toString()).toBe('ab');
    args.space();
    expect(args.string().toString()).toBe('c');
  });

  test('refuses a literal shorter than announced, a bad escape and an unterminated quote', () => {
    expect(() => reader('{5}\r\nab').string()).toThrow(ParseError);
    expect(() => reader('"a\\b"').string()).toThrow(ParseError);
    expect(() => reader('"abc').string()).toThrow(ParseError);
  });

  test('numbers stay within 32 bits; nz-number refuses 0', () => {
    expect(reader('4294967295').number()).toBe(4294967295);
    expect(() => reader('4294967296').number()).toThrow(/out of range/);
    expect(() => reader('0').nzNumber()).toThrow(ParseError);
    expect(() => reader('x').number()).toThrow(ParseError);
  });

  test('lists, flags and flag lists', () => {
    const args = reader('(\\Seen $Label1 \\Flagged) ()');
    expect(args.flagList()).toEqual(['\\Seen', '$Label1', '\\Flagged']);
    args.space();
    expect(args.flagList()).toEqual([]);
    expect(() => reader('(a b').list(() => 1)).toThrow(ParseError);
  });

  test('mailbox names: modified UTF-7 decoded, INBOX in any case', () => {
    expect(reader('"Th&AbA- &AREevw-n"').mailbox()).toBe('Thư đến');
    expect(reader('inbox').mailbox()).toBe('INBOX');
    expect(reader('Inbox/Con').mailbox()).toBe('INBOX/Con');
    expect(reader('Inboxes').mailbox()).toBe('Inboxes');
    // Well-formed astrings that are not modified UTF-7: NO, not BAD (RFC 3501 §7.1.3).
    expect(() => reader('"Th&AbA"').mailbox()).toThrow(expect.objectContaining({ status: 'NO', code: 'CANNOT' }));
    expect(() => reader(Buffer.from('"Thư"')).mailbox()).toThrow(expect.objectContaining({ status: 'NO', code: 'CANNOT' }));
    expect(reader('"Th&AbA"').listPattern()).toBeNull();
  });

  test('mailbox names are UTF-8 after ENABLE UTF8=ACCEPT, and "&" is then literal', () => {
    expect(reader('"Thư đến"', true).mailbox()).toBe('Thư đến');
    expect(reader('"A&B"', true).mailbox()).toBe('A&B');
    expect(() => reader(Buffer.from([0x22, 0xff, 0x22]), true).mailbox()).toThrow(/UTF-8/);
  });

  test('list patterns take % and * unquoted', () => {
    const args = reader('Shared/% *');
    expect(args.listPattern()).toBe('Shared/%');
    args.space();
    expect(args.listPattern()).toBe('*');
  });

  test('dates and date-times', () => {
    expect(reader('1-Feb-2026').date().toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(reader('"28-Nov-2026"').date().toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(reader('"28-Nov-2026 08:30:00 +0700"').dateTime().toISOString()).toBe('2026-11-28T01:30:00.000Z');
    expect(reader('" 1-Jan-2026 00:00:00 -0130"').dateTime().toISOString()).toBe('2026-01-01T01:30:00.000Z');
    expect(() => reader('31-Feb-2026').date()).toThrow(/no such day/);
    expect(() => reader('1-Foo-2026').date()).toThrow(ParseError);
    expect(() => reader('"28-Nov-2026 25:00:00 +0700"').dateTime()).toThrow(ParseError);
  });

  test('end() refuses trailing text, including a trailing space', () => {
    const args = reader('abc ');
    args.atom();
    expect(() => args.end()).toThrow(/unexpected text/);
  });
});

/** The reader tests' spool: APPEND literals past 100 octets go to files when a test asks for spooling. */
const spool = MessageSpool.open(mkdtempSync(path.join(tmpdir(), 'reader-spool-')), 100);
const NO_SPOOLING = Number.MAX_SAFE_INTEGER;
const spooledFiles = (): string[] => readdirSync(spool.dir);
const toSpool = (): Promise<SpoolFile> => spool.create();

/**
 * Feeds `input` to a CommandReader and collects frames and continuations until the input ends;
 * a spooled literal's file content is read into `spooledData` before the file is removed.
 */
async function frames(
  input: Array<string | Buffer>,
  appendLimit = 1000,
  budget = new MemoryBudget(1024 * 1024),
  spoolFile: (() => Promise<SpoolFile>) | null = null,
): Promise<{ frames: Frame[]; continuations: number; spooledData: string[] }> {
  const stream = new PassThrough();
  let continuations = 0;
  const commands = new CommandReader(stream, () => continuations++);
  for (const chunk of input) stream.write(chunk);
  stream.end();
  const out: Frame[] = [];
  const spooledData: string[] = [];
  for (;;) {
    const frame = await commands.next({ appendLimit, appendTotal: budget.ceiling, reserve: (bytes) => budget.reserve(bytes), spoolThreshold: spoolFile ? spool.threshold : NO_SPOOLING, spoolFile: spoolFile ?? (() => spool.create()) });
    out.push(frame);
    if (frame.kind === 'command') {
      frame.reservation?.release();
      for (const file of frame.spooled.values()) spooledData.push(readFileSync(file.path, 'latin1'));
      await removeSpooled(frame.spooled);
    }
    if (frame.kind === 'end') return { frames: out, continuations, spooledData };
  }
}

const raw = (frame: Frame | undefined): string => (frame?.kind === 'command' ? frame.raw.toString('latin1') : `<${frame?.kind}>`);

describe('CommandReader', () => {
  test('frames pipelined commands split across chunks', async () => {
    const { frames: out, continuations } = await frames(['a1 NO', 'OP\r\na2 CAPA', 'BILITY\r\n']);
    expect(out.map(raw)).toEqual(['a1 NOOP', 'a2 CAPABILITY', '<end>']);
    expect(continuations).toBe(0);
  });

  test('keeps literals inline and asks for each synchronising one', async () => {
    const { frames: out, continuations } = await frames(['a LOGIN {4}\r\n', 'annv {3+}\r\nabc\r\n']);
    expect(raw(out[0])).toBe('a LOGIN {4}\r\nannv {3+}\r\nabc');
    expect(continuations).toBe(1);
  });

  test('a literal of the exact announced size may contain CRLF and braces', async () => {
    const { frames: out } = await frames(['a X {7}\r\n{1}\r\n\r\n\r\n']);
    expect(raw(out[0])).toBe('a X {7}\r\n{1}\r\n\r\n');
    expect(raw(out[1])).toBe('<end>');
  });

  test('refuses an oversize synchronising literal without reading it', async () => {
    const { frames: out, continuations } = await frames(['a APPEND INBOX {1001}\r\n', 'b NOOP\r\n'], 1000);
    expect(out[0]).toEqual({ kind: 'too-big', tag: 'a', size: 1001, limit: 1000, append: true });
    expect(raw(out[1])).toBe('b NOOP');
    expect(continuations).toBe(0);
  });

  test('an argument literal outside APPEND is limited to MAX_ARGUMENT_LITERAL', async () => {
    const { frames: out } = await frames([`a LOGIN {${MAX_ARGUMENT_LITERAL + 1}}\r\n`, 'b NOOP\r\n'], 10 * MAX_ARGUMENT_LITERAL);
    expect(out[0]?.kind).toBe('too-big');
    expect(raw(out[1])).toBe('b NOOP');
  });

  test('many small literals outside APPEND cannot add up past MAX_COMMAND', async () => {
    const piece = 'x'.repeat(60 * 1024);
    const input = [`a SEARCH TEXT {${piece.length}+}\r\n`];
    for (let i = 0; i < 6; i++) input.push(piece, ` TEXT {${piece.length}+}\r\n`);
    input.push(piece, '\r\nb NOOP\r\n');
    const { frames: out } = await frames(input, 10_000_000);
    expect(out[0]).toMatchObject({ kind: 'too-big', tag: 'a', size: piece.length });
    expect((out[0] as { limit: number }).limit).toBeLessThan(piece.length);
    expect(raw(out[1])).toBe('b NOOP');
  });

  test('an APPEND literal reserves its octets and is refused past the memory ceiling', async () => {
    const budget = new MemoryBudget(1500);
    const other = budget.reserve(600)!;
    const { frames: out, continuations } = await frames(
      ['a APPEND INBOX {1000}\r\n', 'b APPEND INBOX {900+}\r\n', 'y'.repeat(900), '\r\nc NOOP\r\n'],
      10_000,
      budget,
    );
    expect(out[0]).toEqual({ kind: 'in-use', tag: 'a', size: 1000 });
    expect(raw(out[1])).toBe(`b APPEND INBOX {900+}\r\n${'y'.repeat(900)}`);
    expect(raw(out[2])).toBe('c NOOP');
    expect(continuations).toBe(0);
    other.release();
    expect(budget.inUse).toBe(0);
  });

  test('skips the data of an oversize LITERAL+ literal and stays in sync', async () => {
    const { frames: out } = await frames(['a APPEND INBOX {1500+}\r\n', 'x'.repeat(1500), ' {2+}\r\nyy\r\nb NOOP\r\n'], 1000);
    expect(out[0]).toMatchObject({ kind: 'too-big', tag: 'a' });
    expect(raw(out[1])).toBe('b NOOP');
  });

  test('a line over MAX_LINE is skipped up to its end', async () => {
    const { frames: out } = await frames([`t1 NOOP ${'x'.repeat(MAX_LINE + 10)}\r\n`, 't2 NOOP\r\n']);
    expect(out[0]).toEqual({ kind: 'too-long', tag: 't1' });
    expect(raw(out[1])).toBe('t2 NOOP');
  });

  test('input that ends mid-literal is the end of the connection', async () => {
    const { frames: out } = await frames(['a APPEND INBOX {10}\r\n', 'abc']);
    expect(out).toEqual([{ kind: 'end', flood: false }]);
  });

  test('lines that each end in an empty literal cannot add up past MAX_COMMAND, in APPEND too', async () => {
    const line = `${'y'.repeat(60_000)} {0+}\r\n`;
    for (const command of ['a SEARCH', 'a APPEND INBOX']) {
      const { frames: out } = await frames([`${command} {0+}\r\n`, ...Array.from({ length: 6 }, () => line), 'x\r\n'], 1000, new MemoryBudget(100 * 1024 * 1024));
      expect(out[0]).toEqual({ kind: 'end', flood: true });
    }
  });

  test('an APPEND literal past the spool threshold goes to a file as it arrives, reserving nothing', async () => {
    const budget = new MemoryBudget(1024 * 1024);
    const body = 'z'.repeat(250);
    const { frames: out, continuations, spooledData } = await frames(['a APPEND INBOX (\\Seen) {250}\r\n', body.slice(0, 7), body.slice(7), '\r\nb NOOP\r\n'], 1000, budget, toSpool);
    expect(raw(out[0])).toBe('a APPEND INBOX (\\Seen) {250}\r\n');
    expect(out[0]).toMatchObject({ kind: 'command', reservation: null });
    expect(spooledData).toEqual([body]);
    expect(continuations).toBe(1);
    expect(raw(out[1])).toBe('b NOOP');
    expect(budget.inUse).toBe(0);
    expect(spooledFiles()).toEqual([]);
  });

  test('ArgReader hands APPEND the spool file at the literal\'s place, and refuses it anywhere else', async () => {
    const stream = new PassThrough();
    const commands = new CommandReader(stream, () => undefined);
    stream.end(`a APPEND INBOX {5}\r\nsmall {200+}\r\n${'b'.repeat(200)}\r\n`);
    const budget = new MemoryBudget(10_000);
    const frame = await commands.next({ appendLimit: 1000, appendTotal: 10_000, reserve: (bytes) => budget.reserve(bytes), spoolThreshold: 100, spoolFile: toSpool });
    expect(frame.kind).toBe('command');
    if (frame.kind !== 'command') return;
    const args = new ArgReader(frame.raw, { utf8: false }, 'a APPEND INBOX '.length, frame.spooled);
    expect(args.appendData()).toEqual({ size: 5, bytes: Buffer.from('small') });
    args.space();
    const big = args.appendData();
    expect(big.size).toBe(200);
    expect(readFileSync(big.file!.path, 'latin1')).toBe('b'.repeat(200));
    const misplaced = new ArgReader(frame.raw, { utf8: false }, 'a APPEND INBOX {5}\r\nsmall '.length, frame.spooled);
    expect(() => misplaced.string()).toThrow(ParseError);
    await removeSpooled(frame.spooled);
    expect(spooledFiles()).toEqual([]);
  });

  test('input that ends mid-literal leaves no spool file, nor do the earlier literals of the command', async () => {
    const { frames: out } = await frames([`a APPEND INBOX {150+}\r\n${'x'.repeat(150)} {300}\r\n`, 'y'.repeat(120)], 1000, undefined, toSpool);
    expect(out).toEqual([{ kind: 'end', flood: false }]);
    expect(spooledFiles()).toEqual([]);
  });

  test('the literals of one APPEND together stay within appendTotal (RFC 3502 MULTIAPPEND)', async () => {
    const budget = new MemoryBudget(1000);
    const { frames: out } = await frames([`a APPEND INBOX {600+}\r\n${'x'.repeat(600)} {600+}\r\n${'y'.repeat(600)}\r\nb NOOP\r\n`], 1000, budget, toSpool);
    expect(out[0]).toMatchObject({ kind: 'too-big', tag: 'a', size: 600 });
    expect((out[0] as { limit: number }).limit).toBeLessThan(600);
    expect(raw(out[1])).toBe('b NOOP');
    expect(spooledFiles()).toEqual([]);
  });

  test('a spool file that cannot be created or written is unstorable, and the connection stays in step', async () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const { frames: refused, continuations } = await frames(['a APPEND INBOX {200}\r\nb NOOP\r\n'], 1000, undefined, () => Promise.reject(full));
    expect(refused[0]).toEqual({ kind: 'unstorable', tag: 'a', error: full });
    expect(continuations).toBe(0);
    expect(raw(refused[1])).toBe('b NOOP');
    const failing = async (): Promise<SpoolFile> => {
      const file = await spool.create();
      file.write = () => Promise.reject(full);
      return file;
    };
    const { frames: out } = await frames([`a APPEND INBOX {200+}\r\n${'x'.repeat(200)} {200+}\r\n${'y'.repeat(200)}\r\nb NOOP\r\n`], 1000, undefined, failing);
    expect(out[0]).toMatchObject({ kind: 'unstorable', tag: 'a' });
    expect(raw(out[1])).toBe('b NOOP');
    expect(spooledFiles()).toEqual([]);
  });
});
