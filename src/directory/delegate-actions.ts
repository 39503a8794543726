import type { AccountId } from '../store/index.js';
import { decodeEncodedWords } from '../text/index.js';
import type { AuditEntry } from './types.js';

/**
 * docs/architecture.md "Unit mailboxes", on record: every delegate action on a unit mailbox is on record with person, unit,
 * message (Message-ID and subject) and time. IMAP (src/imap/delegate-audit.ts) and submission
 * (src/smtp/send-as.ts) build their rows here, so `cantho-mail audit --subject <unit>` reads the
 * same shape whoever wrote them. The time is the audit row's own.
 */

export type DelegateAction =
  /** SELECT / EXAMINE of a unit folder. */
  | 'open'
  /** FETCH of a body or BODY[…] part. */
  | 'read'
  /** STORE of flags. */
  | 'flags'
  | 'copy'
  | 'move'
  /** APPEND into a unit folder (e.g. the copy in the unit's Sent). */
  | 'append'
  /** EXPUNGE, UID EXPUNGE, CLOSE that removed messages. */
  | 'expunge'
  | 'create-mailbox'
  | 'delete-mailbox'
  | 'rename-mailbox'
  /** SMTP submission with the unit's address in From:. */
  | 'send-as';

/** A message named in an audit row. */
export interface MessageRef {
  readonly uid?: number;
  /** As in the header, angle brackets included; null when the message has none. */
  readonly messageId: string | null;
  /** Decoded from RFC 2047 encoded-words, so the record is readable. */
  readonly subject: string | null;
}

/** An audit row names at most this many messages; `count` gives the total (a FETCH 1:* must not write a megabyte). */
export const MAX_LISTED_MESSAGES = 20;
const MAX_TEXT = 200;

export interface DelegateActionInput {
  readonly person: AccountId;
  readonly unit: AccountId;
  readonly action: DelegateAction;
  /** The folder of the unit, by its name in the unit's store ("INBOX", "Sent"). */
  readonly mailbox?: string;
  readonly messages?: readonly MessageRef[];
  /** Action-specific facts: the destination of a move, the flags stored, the recipients of a message sent. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function delegateAuditEntry(input: DelegateActionInput): AuditEntry {
  const messages = input.messages ?? [];
  return {
    actor: input.person,
    action: `delegate.${input.action}`,
    subject: input.unit,
    detail: {
      ...(input.mailbox === undefined ? {} : { mailbox: input.mailbox }),
      ...(messages.length === 0 ? {} : { count: messages.length, messages: messages.slice(0, MAX_LISTED_MESSAGES) }),
      ...input.extra,
    },
  };
}

/** A MessageRef from raw header values (an ENVELOPE's or a submitted message's). */
export function messageRef(messageId: string | null, subject: string | null, uid?: number): MessageRef {
  return {
    ...(uid === undefined ? {} : { uid }),
    messageId: messageId === null ? null : printable(messageId),
    subject: subject === null ? null : printable(decodeEncodedWords(subject)),
  };
}

function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ').trim().slice(0, MAX_TEXT);
}
