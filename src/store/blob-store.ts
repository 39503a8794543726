import type { Readable } from 'node:stream';
import type { BlobId, MessageBytes } from './types.js';

/**
 * Message bodies by content (docs/architecture.md "Store"): the bytes of a body are stored once,
 * under the SHA-256 of their bytes (hex), however many mailboxes hold the message. A second
 * backend (a database elsewhere, an object store) implements this and passes the contract tests
 * (test/store/contract/blobs.ts). Which bodies are still referenced is the MailStore's business:
 * delete is told, it does not check.
 */
export interface BlobStore {
  /**
   * Stores the concatenation of `bytes` under `digest` unless it is there already; resolves to
   * whether it was new. StoreError 'cannot' when the bytes do not hash to `digest`.
   */
  put(digest: BlobId, bytes: MessageBytes): Promise<boolean>;
  /** Bytes [start, end) of the body, clamped to its size; StoreError 'nonexistent' when there is none. */
  get(digest: BlobId, start?: number, end?: number): Promise<Buffer>;
  /** The whole body as a stream, read as it is consumed; StoreError 'nonexistent' when there is none. */
  stream(digest: BlobId): Promise<Readable>;
  has(digest: BlobId): Promise<boolean>;
  /** Removes the body; resolves to whether there was one. */
  delete(digest: BlobId): Promise<boolean>;
}
