import type { Uid } from '../../store/index.js';
import { expungeAudited } from '../delegate-audit.js';
import { refuse } from '../errors.js';
import { requireRight } from '../mailboxes.js';
import { readSequenceSet, resolveUidSet } from '../sequence-set.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.3 EXPUNGE and RFC 4315 §2.1 UID EXPUNGE (only among the given UIDs). The store
 * tells this session's SelectedMailbox what it removed before returning, and the session sends the
 * `* n EXPUNGE` responses just before the tagged OK.
 */
export const expunge: CommandHandler = async (session, { uid, args }) => {
  const selected = session.requireSelected();
  let uids: Uid[] | undefined;
  if (uid) {
    args.space();
    const set = readSequenceSet(args, 'uid');
    uids = resolveUidSet(set, selected.uids).map((seq) => selected.uidAt(seq)!);
  }
  args.end();
  if (selected.readOnly) throw refuse('CANNOT', 'The mailbox is read-only');
  requireRight(session, 'e', 'expunge messages');
  await expungeAudited(session, selected.info, uids);
  return { text: `${uid ? 'UID EXPUNGE' : 'EXPUNGE'} completed` };
};
