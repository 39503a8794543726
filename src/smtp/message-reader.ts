import type { Readable } from 'node:stream';
import type { Config } from '../config/index.js';
import type { ScannedBytes } from '../filters/index.js';
import { describeViolation, MessageShapeCheck, shapeLimitsOf, type MemoryBudget, type MemoryReservation, type MessageSpool, type ShapeViolation, type SpoolFile } from '../limits/index.js';
import { concatShared } from '../workers/index.js';
import { replies, SmtpReply } from './reply.js';

const CR = 0x0d;
const LF = 0x0a;

/**
 * A message as read from DATA. `release()` (on every path, in a `finally`) gives its bytes back to
 * `[limits] memory_ceiling` and removes its spool file.
 */
export interface ReceivedMessage {
  readonly size: number;
  /**
   * Where the bytes are: in shared memory (bytes()), or, for a message over `[limits]
   * spool_threshold`, its spool file, which the consumers read themselves — the virus scan streams
   * it, a worker analyses it, the store copies it in a piece at a time — so that it is never whole
   * in the main thread's memory. The file lives until release().
   */
  source(): Promise<ScannedBytes>;
  /**
   * The bytes, in shared memory: the analysis workers read them without a copy (src/workers). A
   * spooled message is read back from its file here (for the rare paths that edit or forward the
   * whole message) and its `copies` are reserved then: 452 4.3.1 (SmtpReply) when they do not fit.
   */
  bytes(): Promise<Buffer>;
  /**
   * Reserves `extra` more copies of the message before the caller makes them (a path that copies
   * more than most, such as a tagged subject): 452 4.3.1 (SmtpReply) when they do not fit.
   */
  holdCopies(extra: number): void;
  release(): Promise<void>;
}

/**
 * Reads the DATA stream smtp-server hands us (dot-unstuffed, terminated only by CRLF.CRLF) and
 * refuses, before any parser sees a byte (DESIGN.md "Config" [limits]):
 * - any bare CR or bare LF (RFC 5321 §2.3.8): this is what SMTP smuggling relies on — a `<LF>.<LF>`
 *   that another MTA would take as the end of DATA. smtp-server does not end DATA there, so the
 *   would-be smuggled commands arrive here as body text with bare LFs, and the whole message is
 *   refused; nothing after the fake terminator is ever run as a command;
 * - more than `smtp.max_message_size` bytes;
 * - a header block, header field or MIME structure past `[limits]` (src/limits/message-shape.ts);
 * - bytes that do not fit in `[limits] memory_ceiling` with every other session's (452 4.3.1):
 *   each byte kept in memory reserves `copies` bytes, for the received message and the copies the
 *   caller makes of it before delivery, so that a message read in full never fails for memory later.
 * Past `[limits] spool_threshold` the message goes to a spool file instead (src/limits/spool.ts),
 * reserving nothing while it arrives; its consumers read the file (source()), and only bytes(), for
 * the paths that need it whole, reserves and reads it back. From the first refusal
 * on, the bytes are counted and dropped, never buffered nor written; the stream is always read to
 * its end so that the session stays in step with the client. Rejects with the stream's error when
 * the client goes away mid-DATA, and with the file system's when the spool cannot be written
 * (ENOSPC: 452 4.3.1 at the SMTP edge): nothing is kept then, nothing stays reserved or on disk.
 */
/**
 * Copies of a message held in memory at once until delivery, each reserved as it arrives (or as
 * bytes() reads it back from the spool; a spooled message read from its file reserves only what
 * its inspecting worker holds, src/smtp/inbound.ts). MX: the bytes as received, the inspection worker's own copy of them (a message
 * to a worker thread is cloned) and the traced copy it analyses; the stored copy is the received
 * bytes under our fields, not a copy (src/store MessageBytes). Measured: with two, 40 sessions
 * of 25 MB took RSS past the ceiling (test/hostile/mx-memory.test.ts).
 */
export const INBOUND_COPIES = 3;
/**
 * Submission: as received, the inspecting worker's copy joined from it and our fields
 * (submission-inspection.ts), and what that worker's parsers decode of it; our fields and the DKIM
 * signature go on top of the received bytes without copying them (submission.ts).
 */
export const SUBMISSION_COPIES = 3;

/**
 * RFC 1870 §6.1: a SIZE declared at MAIL FROM that the server cannot hold now is answered 452 at
 * once, instead of after the client has sent it (`[limits] memory_ceiling`).
 */
export function checkDeclaredSize(args: unknown, memory: MemoryBudget, copies: number): void {
  const declared = args && typeof args === 'object' ? Number((args as Record<string, string>).SIZE ?? 0) : 0;
  if (Number.isFinite(declared) && declared > 0 && !memory.fits(declared * copies)) throw replies.outOfMemoryBudget();
}

export async function readMessage(stream: Readable, config: Config, memory: MemoryBudget, spool: MessageSpool, copies: number): Promise<ReceivedMessage> {
  const maxBytes = config.smtp.max_message_size;
  const shape = new MessageShapeCheck(shapeLimitsOf(config.limits));
  const chunks: Buffer[] = [];
  let file: SpoolFile | null = null;
  let spoolError: unknown = null;
  let size = 0;
  let previous = -1;
  let refusal: SmtpReply | null = null;
  const reservation = memory.reserve(0);
  /** Why the chunk just read ends this message, or null to keep it. */
  const judge = (chunk: Buffer): SmtpReply | null => {
    if (hasBareLineEnd(chunk, previous)) return replies.bareLineEnd();
    const violation = shape.push(chunk);
    if (violation !== null) return shapeRefusal(violation);
    if (size > maxBytes) return replies.messageTooBig(maxBytes);
    const inMemory = file === null && size <= spool.threshold;
    if (inMemory && (reservation === null || !reservation.grow(chunk.length * copies))) return replies.outOfMemoryBudget();
    return null;
  };
  /** Keeps `chunk`: in memory up to the threshold, then in the spool file (memory handed back). */
  const keep = async (chunk: Buffer): Promise<void> => {
    if (file === null && size <= spool.threshold) {
      chunks.push(chunk);
      return;
    }
    if (file === null) {
      file = await spool.create();
      for (const held of chunks.splice(0)) await file.write(held);
      reservation?.release();
    }
    await file.write(chunk);
  };
  const drop = async (): Promise<void> => {
    chunks.length = 0;
    reservation?.release();
    await file?.remove();
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (refusal !== null || spoolError !== null) continue;
      refusal = judge(chunk);
      previous = chunk[chunk.length - 1] ?? previous;
      // Refused: its bytes go back now, not when the client has finished sending the rest.
      if (refusal !== null) await drop();
      else await keep(chunk).catch(async (error: unknown) => {
        spoolError = error;
        await drop();
      });
    }
    if (spoolError !== null) throw spoolError;
    // A CR as the very last byte cannot be followed by its LF any more.
    if (refusal === null && previous === CR) refusal = replies.bareLineEnd();
    const last = refusal === null ? shape.end() : null;
    if (last !== null) refusal = shapeRefusal(last);
    if (refusal !== null) throw refusal;
  } catch (error) {
    await drop();
    throw error;
  }
  return file === null ? heldMessage(chunks, size, reservation!) : spooledMessage(file, memory, copies);
}

function heldMessage(chunks: Buffer[], size: number, reservation: MemoryReservation): ReceivedMessage {
  let raw: Buffer | null = null;
  const bytes = async (): Promise<Buffer> => (raw ??= concatShared(chunks.splice(0)));
  return {
    size,
    source: bytes,
    bytes,
    holdCopies: (extra) => holdMore(reservation, size * extra),
    release: async () => reservation.release(),
  };
}

function holdMore(reservation: MemoryReservation | null, bytes: number): void {
  if (reservation === null || !reservation.grow(bytes)) throw replies.outOfMemoryBudget();
}

/** A spooled message reserves nothing until bytes() reads it into memory: only its file holds it. */
function spooledMessage(file: SpoolFile, memory: MemoryBudget, copies: number): ReceivedMessage {
  let raw: Buffer | null = null;
  let reservation: MemoryReservation | null = null;
  return {
    size: file.size,
    source: async () => raw ?? { file: file.path, size: file.size },
    async bytes() {
      if (raw) return raw;
      reservation = memory.reserve(file.size * copies);
      if (reservation === null) throw replies.outOfMemoryBudget();
      const loaded = Buffer.from(new SharedArrayBuffer(file.size));
      await file.readInto(loaded);
      return (raw = loaded);
    },
    holdCopies: (extra) => holdMore(reservation, file.size * extra),
    release: async () => {
      reservation?.release();
      await file.remove();
    },
  };
}

/**
 * RFC 3463: the header limits are the system's per-message size limits (§3.4 X.3.4 "message too
 * big for system", with 552 as RFC 5321 §4.5.3.1.10 answers a size limit), whether counted in
 * bytes or in lines: a client can fix either by sending a smaller header. Too many MIME parts is a
 * problem with the content's structure (§3.7 X.6.0, "other or undefined media error"), which 554
 * refuses for good.
 */
function shapeRefusal(violation: ShapeViolation): SmtpReply {
  return violation.kind === 'mime-parts'
    ? new SmtpReply(554, '5.6.0', describeViolation(violation), 'mime-limit')
    : new SmtpReply(552, '5.3.4', describeViolation(violation), 'header-limit');
}

/** True when `chunk` (whose preceding byte was `previous`) holds a CR not followed by LF or an LF not preceded by CR. */
function hasBareLineEnd(chunk: Buffer, previous: number): boolean {
  if (previous === CR && chunk[0] !== LF) return true;
  for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
    const before = i === 0 ? previous : chunk[i - 1];
    if (before !== CR) return true;
  }
  for (let i = chunk.indexOf(CR); i !== -1; i = chunk.indexOf(CR, i + 1)) {
    // A CR at the end of the chunk is judged with the next chunk's first byte.
    if (i + 1 < chunk.length && chunk[i + 1] !== LF) return true;
  }
  return false;
}
