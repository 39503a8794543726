import addressparser from 'nodemailer/lib/addressparser';
import type { DirectoryService } from '../directory/index.js';
import { delegateAuditEntry, messageRef } from '../directory/index.js';
import type { Identity } from '../directory/index.js';
import { asAccountId, type AccountId } from '../store/index.js';
import { fieldValues } from './headers.js';

/**
 * docs/architecture.md "Unit mailboxes", send as the unit and on record: a message an official submitted with a unit's address in From: (which
 * applyFromPolicy allowed only with send-as, and marked with Sender:) is on record as
 * `delegate.send-as` under the person, with the unit as subject, Message-ID and subject. Called
 * once the message was accepted, so the record lists only what was really sent. `header` is the
 * message's header block as the official wrote it.
 */
export function recordSendAs(directory: DirectoryService, identity: Identity, header: Buffer, recipients: readonly string[]): void {
  const units = unitAuthors(directory, identity, header);
  if (units.length === 0) return;
  const ref = messageRef(fieldValues(header, 'message-id')[0] ?? null, fieldValues(header, 'subject')[0] ?? null);
  for (const unit of units) {
    directory.audit(delegateAuditEntry({ person: identity.person, unit, action: 'send-as', messages: [ref], extra: { recipients: recipients.length } }));
  }
}

/** The unit accounts named in From: other than the sender's own. */
function unitAuthors(directory: DirectoryService, identity: Identity, header: Buffer): AccountId[] {
  const from = fieldValues(header, 'from')[0];
  if (from === undefined) return [];
  const units = new Set<AccountId>();
  for (const { address } of addressparser(from, { flatten: true })) {
    const resolution = directory.resolveRecipient(address);
    if (resolution.ok && resolution.kind === 'unit' && resolution.account !== identity.person) units.add(asAccountId(resolution.account));
  }
  return [...units];
}
