import { analyzeMessage } from '../mime/index.js';
import { digestOf } from './blobs.js';
import { parseFlags, storedFromFlagSet, type StoredFlags } from './flags.js';
import { canonicalMailboxName } from './mailbox-names.js';
import { messageSize, wholeMessage } from './message-bytes.js';
import {
  StoreError,
  type BlobId,
  type DeliveryFolder,
  type DeliveryTarget,
  type Flag,
  type MessageAnalysis,
  type MessageBytes,
  type MessagePiece,
} from './types.js';

/**
 * What every MailStore backend does to a message before its transaction: hash, analyse and
 * validate it, so a bad one fails alone and early, and no backend holds a lock while parsing.
 */
export interface PreparedMessage {
  /** The message's bytes, in pieces stored as their concatenation (MessageBytes). */
  readonly pieces: readonly MessagePiece[];
  readonly size: number;
  readonly sha256: BlobId;
  readonly analysis: MessageAnalysis;
  readonly flags: StoredFlags;
  readonly internalDate: number;
}

/** Hashes, analyses and validates a message outside any transaction. */
export function prepareMessage(raw: MessageBytes, options: { flags?: readonly Flag[]; internalDate?: Date; analysis?: MessageAnalysis; sha256?: string }): PreparedMessage {
  const internalDate = (options.internalDate ?? new Date()).getTime();
  if (!Number.isFinite(internalDate)) throw new StoreError('cannot', 'invalid internal date');
  const pieces: readonly MessagePiece[] = Buffer.isBuffer(raw) ? [raw] : raw;
  return {
    pieces,
    size: messageSize(pieces),
    // A spooled message comes with the digest its analysing worker computed, so the event loop
    // reads its file only as it is written (message-bytes.ts), a piece at a time.
    sha256: (options.sha256 ?? digestOf(pieces)) as BlobId,
    // Callers with large messages pass the analysis, computed on a worker: joining the pieces here is the rare case.
    analysis: options.analysis ?? analyzeMessage(wholeMessage(pieces)),
    flags: storedFromFlagSet(parseFlags(options.flags ?? [])),
    internalDate,
  };
}

/** One copy of a delivery: where it goes and with which flags. */
export interface DeliveryCopy {
  readonly target: DeliveryTarget;
  readonly flags: StoredFlags;
}

/**
 * The copies a delivery makes (MailStore.deliver): refuses an empty list and unknown folders, and
 * keeps one copy per (account, folder), however often the SMTP envelope named it.
 */
export function deliveryCopies(targets: readonly DeliveryTarget[], message: PreparedMessage): DeliveryCopy[] {
  if (targets.length === 0) throw new StoreError('cannot', 'a delivery needs at least one recipient');
  for (const { folder } of targets) {
    if (typeof folder === 'string' ? folder !== 'INBOX' && folder !== 'Junk' : typeof folder.name !== 'string') {
      throw new StoreError('nonexistent', `no delivery folder ${JSON.stringify(folder)}`);
    }
  }
  const unique = new Map(targets.map((target) => [`${target.account}\n${folderKey(target.folder)}`, target]));
  return [...unique.values()].map((target) => ({ target, flags: target.flags ? storedFromFlagSet(parseFlags(target.flags)) : message.flags }));
}

/** The part of a delivery target's folder that makes two copies the same copy. */
function folderKey(folder: DeliveryFolder): string {
  return typeof folder === 'string' ? folder : `=${canonicalMailboxName(folder.name)}`;
}
