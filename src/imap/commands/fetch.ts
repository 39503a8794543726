import { auditDelegate, readsBody } from '../delegate-audit.js';
import { ImapError } from '../errors.js';
import { hasRight } from '../mailboxes.js';
import { parseFetchItems } from '../fetch/items.js';
import { writeFetchResponses } from '../fetch/respond.js';
import { readSequenceSet, resolveSequenceNumbers, resolveUidSet } from '../sequence-set.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH, with RFC 7162 CHANGEDSINCE and MODSEQ.
 * RFC 2180 §4.1.2: a message another session expunged (still in our map, gone from the store) is
 * left out; FETCH then ends in `NO [EXPUNGEISSUED]` (RFC 5530), UID FETCH in OK, as a UID that
 * does not exist is no error there.
 */
export const fetch: CommandHandler = async (session, { uid, args }) => {
  const selected = session.requireSelected();
  args.space();
  const set = readSequenceSet(args);
  const request = parseFetchItems(args);
  const seqs = uid ? resolveUidSet(set, selected.uids) : resolveSequenceNumbers(set, selected.exists);
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
  if (readsBody(request)) auditDelegate(session, selected.info, 'read', { uids: seqs.map((seq) => selected.uidAt(seq)!) });
  if (missing > 0 && !uid) throw new ImapError('NO', 'EXPUNGEISSUED', 'Some of the requested messages no longer exist');
  return { text: `${uid ? 'UID FETCH' : 'FETCH'} completed` };
};
