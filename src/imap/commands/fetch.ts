import { auditDelegate, readsBody } from '../delegate-audit.js';
import { ImapError } from '../errors.js';
import { hasRight } from '../mailboxes.js';
import { parseFetchItems } from '../fetch/items.js';
import { writeFetchResponses } from '../fetch/respond.js';
import { vanishedSince } from '../qresync.js';
import { readSequenceSet, resolveSequenceNumbers, resolveUidSet, type SequenceSet } from '../sequence-set.js';
import type { Session } from '../session.js';
import type { ModSeq } from '../../store/index.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH, with RFC 7162 CHANGEDSINCE, MODSEQ and VANISHED.
 * RFC 2180 §4.1.2: a message another session expunged (still in our map, gone from the store) is
 * left out; FETCH then ends in `NO [EXPUNGEISSUED]` (RFC 5530), UID FETCH in OK, as a UID that
 * does not exist is no error there.
 */
/** RFC 7162 §3.2.6: `VANISHED (EARLIER)` for UIDs of the set expunged since CHANGEDSINCE, before the FETCH responses. */
async function writeVanished(session: Session, set: SequenceSet, since: ModSeq): Promise<void> {
  const selected = session.requireSelected();
  const store = session.ctx.store;
  const present = async () => (await store.listMessages(selected.info.id)).map((row) => row.uid);
  const star = selected.uids[selected.exists - 1] ?? 0;
  const vanished = await vanishedSince(store, selected.info, since, set, star, present);
  if (vanished) session.out.untagged(`VANISHED (EARLIER) ${vanished}`);
}

export const fetch: CommandHandler = async (session, { uid, args }) => {
  const selected = session.requireSelected();
  args.space();
  const set = readSequenceSet(args, uid ? 'uid' : 'seq');
  const request = parseFetchItems(args);
  // RFC 7162 §3.2.6: the VANISHED modifier is for UID FETCH of a QRESYNC-enabled session only.
  if (request.vanished && (!uid || !session.qresync)) throw new ImapError('BAD', null, 'VANISHED needs UID FETCH and ENABLE QRESYNC');
  const seqs = uid ? resolveUidSet(set, selected.uids) : resolveSequenceNumbers(set, selected.exists);
  if (request.vanished) await writeVanished(session, set, request.changedSince as ModSeq);
  // RFC 7162 §3.1: MODSEQ and CHANGEDSINCE are CONDSTORE-enabling.
  if (request.changedSince !== null || request.items.some((item) => item.kind === 'MODSEQ')) session.enableCondstore();
  const { missing, abandoned } = await writeFetchResponses(
    {
      store: session.ctx.store,
      selected,
      out: session.out,
      condstore: session.condstore,
      markSeen: !selected.readOnly && hasRight(session, 's'),
      uidCommand: uid,
      abort: () => session.close(),
    },
    seqs,
    request,
  );
  if (abandoned) session.log.info({ messages: seqs.length }, 'FETCH stopped: the client went away');
  // docs/architecture.md "Unit mailboxes", on record: a delegate reading bodies in a unit's mailbox is on record.
  if (readsBody(request)) await auditDelegate(session, selected.info, 'read', { uids: seqs.map((seq) => selected.uidAt(seq)!) });
  if (missing > 0 && !uid) throw new ImapError('NO', 'EXPUNGEISSUED', 'Some of the requested messages no longer exist');
  return { text: `${uid ? 'UID FETCH' : 'FETCH'} completed` };
};
