import { closeSync, openSync, readSync } from 'node:fs';
import { StoreError, type FileRange, type MessageBytes, type MessagePiece } from './types.js';

/**
 * Reading MessageBytes whose pieces may be ranges of a spool file. File reads are synchronous and
 * a piece at a time: the store writes a message inside one SQLite transaction (synchronous too),
 * and a piece of at most `pieceSize` octets is all that is held of the file at once.
 */

/** Octets read from a file per piece: one blob chunk (blobs.ts chunkSize). */
const FILE_PIECE = 256 * 1024;

function isFileRange(piece: MessagePiece): piece is FileRange {
  return !Buffer.isBuffer(piece);
}

function pieceLength(piece: MessagePiece): number {
  return isFileRange(piece) ? piece.end - piece.start : piece.length;
}

function piecesOf(bytes: MessageBytes): readonly MessagePiece[] {
  return Buffer.isBuffer(bytes) ? [bytes] : bytes;
}

export function messageSize(bytes: MessageBytes): number {
  return piecesOf(bytes).reduce((sum, piece) => sum + pieceLength(piece), 0);
}

/**
 * The message's octets in order, as buffers: pieces in memory as they are, a file range as fresh
 * buffers of at most `pieceSize` octets (fresh, not reused: a caller may keep a view across pulls).
 */
export function* readPieces(bytes: MessageBytes, pieceSize = FILE_PIECE): Generator<Buffer> {
  for (const piece of piecesOf(bytes)) {
    if (!isFileRange(piece)) {
      yield piece;
      continue;
    }
    const fd = openSync(piece.file, 'r');
    try {
      for (let at = piece.start; at < piece.end; ) {
        const into = Buffer.allocUnsafe(Math.min(pieceSize, piece.end - at));
        const read = readSync(fd, into, 0, into.length, at);
        if (read === 0) throw new StoreError('cannot', `message file ${piece.file} is shorter than expected`);
        at += read;
        yield read === into.length ? into : into.subarray(0, read);
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The first `length` octets (a header block): a view when the first piece is in memory and holds them, else a copy of that much. */
export function leadingOctets(bytes: MessageBytes, length: number): Buffer {
  const pieces = piecesOf(bytes);
  const first = pieces[0];
  if (first !== undefined && !isFileRange(first) && first.length >= length) return first.subarray(0, length);
  const taken: Buffer[] = [];
  let left = length;
  for (const piece of readPieces(bytes, Math.max(1, Math.min(length, FILE_PIECE)))) {
    if (left <= 0) break;
    taken.push(piece.subarray(0, left));
    left -= piece.length;
  }
  return Buffer.concat(taken);
}

/** The message as one buffer: itself, or its pieces joined (a copy: only for the rare paths that need one). */
export function wholeMessage(bytes: MessageBytes): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.concat([...readPieces(bytes)]);
}

/**
 * The concatenation of `pieces` in chunks of `chunkSize` octets: a chunk inside one piece is a view
 * of it, only one that spans pieces is joined (a chunk's copy at most, never the whole message).
 */
export function* chunksOf(pieces: Iterable<Buffer>, chunkSize: number): Generator<Buffer> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  for (const piece of pieces) {
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(chunkSize - pendingSize, piece.length - at);
      const part = piece.subarray(at, at + take);
      at += take;
      if (pendingSize === 0 && take === chunkSize) {
        yield part;
        continue;
      }
      pending.push(part);
      pendingSize += take;
      if (pendingSize === chunkSize) {
        yield Buffer.concat(pending);
        pending = [];
        pendingSize = 0;
      }
    }
  }
  if (pendingSize > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending);
}
