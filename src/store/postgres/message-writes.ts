import { canonicalMailboxName, isValidMailboxName } from '../mailbox-names.js';
import { chunksOf, readPieces } from '../message-bytes.js';
import type { DeliveryCopy, PreparedMessage } from '../prepared-message.js';
import type { DeliveryTarget, MailboxId } from '../types.js';
import { PG_CHUNK_SIZE } from './blob-store.js';

/**
 * The statements that write a delivered or appended message, each one call of the functions of
 * migration 2 (schema.ts): the body, its search text and the message rows in one round trip
 * (docs/postgres.en.md "Round trips per delivery"). Run alone, a statement is its own transaction,
 * committed before its answer; in a transaction, it is one step of it.
 */
export interface MessageStatement {
  readonly text: string;
  readonly values: readonly unknown[];
  /**
   * Whether the body's chunks travel in the statement. A body larger than one chunk does not:
   * the caller stores it first, chunk by chunk, in the same transaction (blob-store.ts storeIn),
   * so a 25 MB message is never one buffer nor one parameter.
   */
  readonly bodyInline: boolean;
}

/** store_body's call: its parameters are $1–$13 of every statement here. */
const STORE_BODY = 'store_body($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)';

/** One message appended to a mailbox: answers (new_uid, new_modseq, mailbox_account, mailbox_uidvalidity). */
export function appendStatement(mailbox: MailboxId, message: PreparedMessage): MessageStatement {
  const { flags } = message;
  return {
    text: `SELECT new_uid, new_modseq, mailbox_account, mailbox_uidvalidity FROM append_message($14, ${STORE_BODY}, $15, $16, $17, $18)`,
    values: [...storeBodyValues(message), mailbox, flags.system, flags.keywords, message.internalDate, message.size],
    bodyInline: fitsOneChunk(message),
  };
}

/**
 * One delivery: answers (mailbox, uid, modseq, account) per copy, in the copies' order. A copy
 * whose mailbox must be made first fails the statement with no_data_found (P0002).
 */
export function deliverStatement(copies: readonly DeliveryCopy[], message: PreparedMessage): MessageStatement {
  const folders = copies.map((copy) => deliveryFolderValues(copy.target));
  return {
    text: `SELECT mailbox, uid, modseq, account FROM deliver_message(${STORE_BODY}, $14, $15, $16, $17, $18, $19, $20, $21)`,
    values: [
      ...storeBodyValues(message),
      copies.map((copy) => copy.target.account),
      folders.map(([kind]) => kind),
      folders.map(([, name]) => name),
      folders.map(([, , create]) => create),
      copies.map((copy) => copy.flags.system),
      copies.map((copy) => copy.flags.keywords),
      message.internalDate,
      message.size,
    ],
    bodyInline: fitsOneChunk(message),
  };
}

/**
 * delivery_mailbox's arguments after the account (kind, canonical name, may create): a folder
 * that may not be created (no `:create`, or an invalid name) falls back to INBOX, as on SQLite.
 */
export function deliveryFolderValues({ folder }: DeliveryTarget): [kind: 'inbox' | 'junk' | 'named', name: string, create: boolean] {
  if (folder === 'INBOX') return ['inbox', 'INBOX', false];
  if (folder === 'Junk') return ['junk', 'Junk', false];
  const name = canonicalMailboxName(folder.name);
  return ['named', name, folder.create && isValidMailboxName(name)];
}

function fitsOneChunk(message: PreparedMessage): boolean {
  return message.size <= PG_CHUNK_SIZE;
}

function storeBodyValues(message: PreparedMessage): unknown[] {
  const { analysis } = message;
  const text = analysis.searchText;
  // NULL chunks: the caller stored them (a large body); store_body then only finds the blob.
  const chunks = fitsOneChunk(message) ? [...chunksOf(readPieces(message.pieces), PG_CHUNK_SIZE)] : null;
  return [
    message.sha256,
    message.size,
    chunks,
    analysis.headerSize,
    JSON.stringify(analysis.envelope),
    JSON.stringify(analysis.structure),
    text.subject,
    text.from,
    text.to,
    text.cc,
    text.bcc,
    text.headers,
    text.body,
  ];
}
