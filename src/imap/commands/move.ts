import { auditTransfer, isDelegateMailbox, messageRefs } from '../delegate-audit.js';
import { refuse } from '../errors.js';
import { prepareJunkLearning } from '../junk-learning.js';
import { requireRight } from '../mailboxes.js';
import { copyUidCode, readCopyArguments, requireRoomFor } from './copy.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 6851 MOVE and UID MOVE: copy and expunge in one store transaction. The COPYUID goes in an
 * untagged OK before the EXPUNGE responses (§4.3), which are sent at once (the store has told this
 * session's SelectedMailbox of the expunge before moveMessages returns). Into or out of Junk it
 * teaches Bayes (junk-learning.ts).
 */
export const move: CommandHandler = async (session, request) => {
  const moveArguments = await readCopyArguments(session, request);
  const { uids, destination } = moveArguments;
  const selected = session.requireSelected();
  if (selected.readOnly) throw refuse('CANNOT', 'The mailbox is read-only');
  // RFC 6851 §3.3 / RFC 4314 §4: the source needs the rights to delete and expunge.
  requireRight(session, 't', 'delete messages');
  requireRight(session, 'e', 'expunge messages');
  // Within one account a move changes no usage; into another (a unit's shared folder) it adds there.
  if (destination.account !== selected.info.account) await requireRoomFor(session, moveArguments);
  // docs/architecture.md "Unit mailboxes", on record: a move into or out of a unit's mailbox is on record; read the references before they go.
  const audited = isDelegateMailbox(session, selected.info) || isDelegateMailbox(session, destination);
  const refs = audited ? await messageRefs(session, selected.info, uids) : [];
  const learn = await prepareJunkLearning(session, selected.info, destination, uids);
  const result = await session.ctx.store.moveMessages(selected.info.id, uids, destination.id);
  learn(result.mapping.map(([from]) => from));
  if (audited && result.mapping.length > 0) {
    const moved = new Set<number>(result.mapping.map(([from]) => from));
    await auditTransfer(session, 'move', selected.info, destination, refs.filter((ref) => ref.uid !== undefined && moved.has(ref.uid)));
  }
  const code = copyUidCode(result);
  if (code) session.out.untagged(`OK [${code}] Moved`);
  await session.flushUpdates(true);
  return { text: `${request.uid ? 'UID MOVE' : 'MOVE'} completed` };
};
