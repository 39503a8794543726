import MailComposer from 'nodemailer/lib/mail-composer';
import { DirectoryError, type DirectoryService } from '../directory/index.js';
import { asUid, type MailStore } from '../store/index.js';
import { decodeEncodedWords } from '../text/index.js';
import { ASSIGNED_KEYWORD } from './unit-keywords.js';

/**
 * Điều 9.2: the person managing a unit mailbox passes a message on to whoever must act. The
 * message goes, as an attachment (message/rfc822, RFC 2046 §5.2.1) under the assigner's note, to
 * a delegate or a member of the unit; the unit's copy gets the keyword `$Assigned` (an RFC 5788
 * registry-style keyword any IMAP client shows), and the audit log says who, to whom, when.
 */

export interface Assignment {
  readonly unit: string;
  readonly uid: number;
  readonly to: string;
  readonly note: string;
  /** Who assigns: a person's address or "cli:<user>". */
  readonly actor: string;
  readonly doc?: string;
}

export async function assignUnitMessage(directory: Pick<DirectoryService, 'showUnit' | 'audit'>, store: MailStore, assignment: Assignment, now = new Date()): Promise<{ readonly unit: string; readonly uid: number; readonly to: string }> {
  const unit = directory.showUnit(assignment.unit);
  const wanted = assignment.to.toLowerCase();
  const to = [...unit.members, ...unit.delegations.map((d) => d.person), ...(unit.head ? [unit.head] : [])].find((a) => a === wanted);
  if (to === undefined) throw new DirectoryError('invalid-input', `${assignment.to} is neither a member nor a delegate of ${unit.address}`);
  const inbox = await store.getMailbox(unit.address, 'INBOX');
  const [row] = inbox === null ? [] : await store.getMessages(inbox.id, [asUid(assignment.uid)]);
  if (inbox === null || row === undefined) throw new DirectoryError('invalid-input', `no message with UID ${assignment.uid} in the INBOX of ${unit.address}`);
  const original = await store.readBlob(row.blobId);
  // The Subject of the header block (RFC 5322 §2.2.3: unfolded), its encoded words decoded (RFC 2047).
  const header = (original.subarray(0, 64 * 1024).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '').replace(/\r?\n[ \t]+/g, ' ');
  const subject = decodeEncodedWords(/^subject:[ \t]*(.*)$/im.exec(header)?.[1] ?? '');
  const forward = await new MailComposer({
    from: unit.address,
    to,
    subject: `Giao xử lý: ${subject}`,
    text: `${assignment.note}\r\n\r\n(Thư của ${unit.name} được giao cho bạn xử lý; thư gốc đính kèm.)\r\n`,
    date: now,
    attachments: [{ filename: 'thu-goc.eml', contentType: 'message/rfc822', content: original }],
  })
    .compile()
    .build();
  await store.deliver([{ account: to, folder: 'INBOX' }], forward);
  await store.storeFlags(inbox.id, [asUid(assignment.uid)], 'add', [ASSIGNED_KEYWORD]);
  directory.audit({ actor: assignment.actor, action: 'unit.assign', subject: unit.address, doc: assignment.doc ?? null, detail: { uid: assignment.uid, to, note: assignment.note, at: now.toISOString() } });
  return { unit: unit.address, uid: assignment.uid, to };
}
