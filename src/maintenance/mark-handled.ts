import { DirectoryError, type DirectoryService } from '../directory/index.js';
import { asUid, type MailStore } from '../store/index.js';
import { HANDLED_KEYWORD } from './unit-keywords.js';

/**
 * Điều 9.2: the unit records that a message of its INBOX has been dealt with. The message gets
 * `$Handled` (unit-keywords.ts) and the audit log says who and when (`unit.handled`).
 */

export interface HandledMark {
  readonly unit: string;
  readonly uid: number;
  /** Who marks it: a person's address or "cli:<user>". */
  readonly actor: string;
}

export async function markUnitMessageHandled(directory: Pick<DirectoryService, 'showUnit' | 'audit'>, store: Pick<MailStore, 'getMailbox' | 'getMessages' | 'storeFlags'>, mark: HandledMark, now = new Date()): Promise<{ readonly unit: string; readonly uid: number }> {
  const unit = directory.showUnit(mark.unit);
  const inbox = await store.getMailbox(unit.address, 'INBOX');
  const [row] = inbox === null ? [] : await store.getMessages(inbox.id, [asUid(mark.uid)]);
  if (inbox === null || row === undefined) throw new DirectoryError('invalid-input', `no message with UID ${mark.uid} in the INBOX of ${unit.address}`);
  await store.storeFlags(inbox.id, [asUid(mark.uid)], 'add', [HANDLED_KEYWORD]);
  directory.audit({ actor: mark.actor, action: 'unit.handled', subject: unit.address, detail: { uid: mark.uid, at: now.toISOString() } });
  return { unit: unit.address, uid: mark.uid };
}
