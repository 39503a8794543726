import type { MailboxInfo, Uid } from '../../store/index.js';
import { auditTransfer, isDelegateMailbox, messageRefs } from '../delegate-audit.js';
import { ImapError } from '../errors.js';
import { prepareJunkLearning } from '../junk-learning.js';
import { requireMailbox, requireRight } from '../mailboxes.js';
import { rowsOf } from '../message-rows.js';
import { formatSequenceSet, readSequenceSet, resolveSequenceNumbers, resolveUidSet } from '../sequence-set.js';
import type { Session } from '../session.js';
import type { CommandHandler, CommandRequest } from './handler.js';
import { requireQuotaRoom } from './quota.js';

export interface CopyArguments {
  /** UIDs to copy, ascending (the order COPYUID pairs them in). */
  readonly uids: readonly Uid[];
  readonly destination: MailboxInfo;
}

/**
 * `sequence-set SP mailbox`, shared by COPY and MOVE (RFC 6851 §3). A missing destination is
 * `NO [TRYCREATE]` (RFC 3501 §6.4.7). A message named by sequence number that another session
 * expunged fails the whole command with nothing copied (RFC 2180 §4.4.1); by UID it is simply
 * not there (RFC 3501 §6.4.8).
 */
export async function readCopyArguments(session: Session, { uid, args }: CommandRequest): Promise<CopyArguments> {
  const selected = session.requireSelected();
  args.space();
  const set = readSequenceSet(args, uid ? 'uid' : 'seq');
  args.space();
  const name = args.mailbox();
  args.end();
  const seqs = uid ? resolveUidSet(set, selected.uids) : resolveSequenceNumbers(set, selected.exists);
  const destination = await requireMailbox(session, name, 'TRYCREATE');
  requireRight(session, 'i', 'insert messages', destination);
  const uids = seqs.map((seq) => selected.uidAt(seq)!);
  const present = uids.filter((u) => !selected.isExpunged(u));
  if (!uid && present.length < uids.length) throw new ImapError('NO', 'EXPUNGEISSUED', 'Some of the messages no longer exist');
  return { uids: present, destination };
}

/** RFC 4315 §3 `COPYUID uidvalidity source-uids destination-uids`; none when nothing was copied. */
export function copyUidCode(result: { readonly uidValidity: number; readonly mapping: ReadonlyArray<readonly [Uid, Uid]> }): string | undefined {
  if (result.mapping.length === 0) return undefined;
  const source = formatSequenceSet(result.mapping.map(([from]) => from));
  const destination = formatSequenceSet(result.mapping.map(([, to]) => to));
  return `COPYUID ${result.uidValidity} ${source} ${destination}`;
}

/** RFC 9208 §5.1: the messages must fit in the quota of the destination's account. */
export async function requireRoomFor(session: Session, { uids, destination }: CopyArguments): Promise<void> {
  if (uids.length === 0) return;
  const rows = [...(await rowsOf(session.ctx.store, session.requireSelected().info.id, uids)).values()];
  await requireQuotaRoom(session, destination, rows.reduce((sum, row) => sum + row.size, 0));
}

/** RFC 3501 §6.4.7 COPY and UID COPY, with RFC 4315 COPYUID; into or out of Junk teaches Bayes (junk-learning.ts). */
export const copy: CommandHandler = async (session, request) => {
  const copyArguments = await readCopyArguments(session, request);
  await requireRoomFor(session, copyArguments);
  const source = session.requireSelected().info;
  const learn = await prepareJunkLearning(session, source, copyArguments.destination, copyArguments.uids);
  const result = await session.ctx.store.copyMessages(source.id, copyArguments.uids, copyArguments.destination.id);
  learn(result.mapping.map(([from]) => from));
  // docs/architecture.md "Unit mailboxes", on record: copies into or out of a unit's mailbox are on record on the unit's side.
  if (result.mapping.length > 0 && (isDelegateMailbox(session, source) || isDelegateMailbox(session, copyArguments.destination))) {
    await auditTransfer(session, 'copy', source, copyArguments.destination, await messageRefs(session, source, result.mapping.map(([from]) => from)));
  }
  const code = copyUidCode(result);
  return { ...(code ? { code } : {}), text: `${request.uid ? 'UID COPY' : 'COPY'} completed` };
};
