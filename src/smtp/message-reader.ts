import type { Readable } from 'node:stream';
import { replies, type SmtpReply } from './reply.js';

const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads the DATA stream smtp-server hands us (dot-unstuffed, terminated only by CRLF.CRLF) and
 * refuses two kinds of message:
 * - any bare CR or bare LF (RFC 5321 §2.3.8): this is what SMTP smuggling relies on — a `<LF>.<LF>`
 *   that another MTA would take as the end of DATA. smtp-server does not end DATA there, so the
 *   would-be smuggled commands arrive here as body text with bare LFs, and the whole message is
 *   refused; nothing after the fake terminator is ever run as a command;
 * - more than `maxBytes`: from that point on the bytes are counted and dropped, never buffered.
 * The stream is always read to its end so that the session stays in step with the client.
 * Rejects with the stream's error when the client goes away mid-DATA: nothing is kept then.
 */
export async function readMessage(stream: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let previous = -1;
  let refusal: SmtpReply | null = null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (refusal === null) {
      if (hasBareLineEnd(chunk, previous)) refusal = replies.bareLineEnd();
      previous = chunk[chunk.length - 1] ?? previous;
    }
    size += chunk.length;
    if (size > maxBytes && refusal === null) refusal = replies.messageTooBig(maxBytes);
    if (refusal === null) chunks.push(chunk);
    else chunks.length = 0;
  }
  // A CR as the very last byte cannot be followed by its LF any more.
  if (refusal === null && previous === CR) refusal = replies.bareLineEnd();
  if (refusal !== null) throw refusal;
  return Buffer.concat(chunks, size);
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
