import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { FileRange } from '../store/index.js';
import { asBuffer } from '../workers/index.js';

/**
 * A message as it crosses to a worker thread: our fields in memory (a Buffer arrives as a
 * Uint8Array), the received bytes as views of shared memory or as ranges of their spool file
 * (src/store MessageBytes). The worker reads the file itself, so the main thread never holds it.
 */
export type CrossingPieces = ReadonlyArray<Uint8Array | FileRange>;

/** The octets of `pieces` in order, a file range read a chunk at a time (for hashing and signing). */
export async function* streamPieces(pieces: CrossingPieces): AsyncGenerator<Buffer> {
  for (const piece of pieces) {
    if (piece instanceof Uint8Array) {
      if (piece.length > 0) yield asBuffer(piece);
      continue;
    }
    // createReadStream's `end` is inclusive; an empty range reads nothing.
    if (piece.end === piece.start) continue;
    for await (const chunk of createReadStream(piece.file, { start: piece.start, end: piece.end - 1 })) yield chunk as Buffer;
  }
}

/** The whole message in one buffer, for the parsers that need it whole (one copy, in the worker). */
export function joinPieces(pieces: CrossingPieces): Buffer {
  const size = pieces.reduce((sum, piece) => sum + (piece instanceof Uint8Array ? piece.length : piece.end - piece.start), 0);
  const whole = Buffer.allocUnsafe(size);
  let at = 0;
  for (const piece of pieces) {
    if (piece instanceof Uint8Array) {
      whole.set(piece, at);
      at += piece.length;
      continue;
    }
    const fd = openSync(piece.file, 'r');
    try {
      for (let from = piece.start; from < piece.end; ) {
        const read = readSync(fd, whole, at, piece.end - from, from);
        if (read === 0) throw new Error(`spool file ${piece.file} is shorter than expected`);
        from += read;
        at += read;
      }
    } finally {
      closeSync(fd);
    }
  }
  return whole;
}
