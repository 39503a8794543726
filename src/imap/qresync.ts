/**
 * RFC 7162 §3.2 QRESYNC: the SELECT/EXAMINE parameter that resynchronises a client in one round
 * trip, and the `VANISHED (EARLIER)` answers shared by SELECT and UID FETCH … (VANISHED).
 * (During the session a QRESYNC client is told of expunges with `VANISHED` instead of `EXPUNGE`:
 * selected.ts.)
 *
 * When the store's expunge history no longer reaches back to the client's MODSEQ (pruning rule in
 * src/store/expunge-history.ts) we give the full answer RFC 7162 §3.2.5.2 describes for servers
 * without a complete history: every UID of the client's known-uids (else 1 to UIDNEXT-1, or the
 * UID FETCH set) that is not in the mailbox now. It is correct for any client state, only longer;
 * docs/architecture.md "QRESYNC history" explains why this was chosen over refusing the SELECT.
 * The optional seq-match-data is checked for syntax and otherwise not needed for that reason.
 */
import type { MailboxInfo, MailStore, ModSeq, Uid } from '../store/index.js';
import type { ArgReader } from './parser.js';
import { atom, type UntaggedLine } from './responses.js';
import type { SelectedMailbox } from './selected.js';
import { formatSequenceSet, missingFromSet, readSequenceSet, sequenceSetContains, STAR, type SequenceSet } from './sequence-set.js';

export interface QresyncParameter {
  readonly uidValidity: number;
  readonly modSeq: ModSeq;
  /** Limits the answer to these UIDs; null: all of them. */
  readonly knownUids: SequenceSet | null;
}

const ALL: SequenceSet = [{ from: 1, to: STAR }];

/** RFC 7162 §7 `select-param` QRESYNC: `(uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data])`; the reader is after "QRESYNC". */
export function readQresyncParameter(args: ArgReader): QresyncParameter {
  args.space();
  args.expect('(');
  const uidValidity = args.nzNumber();
  args.space();
  const modSeq = args.modSeq() as ModSeq;
  let knownUids: SequenceSet | null = null;
  if (args.take(' ')) {
    if (args.peek() !== 0x28) {
      knownUids = readSequenceSet(args);
      if (!args.take(' ')) return finish(args, { uidValidity, modSeq, knownUids });
    }
    // seq-match-data = "(" known-sequence-set SP known-uid-set ")"
    args.expect('(');
    readSequenceSet(args);
    args.space();
    readSequenceSet(args);
    args.expect(')');
  }
  return finish(args, { uidValidity, modSeq, knownUids });
}

function finish(args: ArgReader, parameter: QresyncParameter): QresyncParameter {
  args.expect(')');
  return parameter;
}

/**
 * RFC 7162 §3.2.5: what SELECT … (QRESYNC …) adds after the usual responses: the UIDs expunged
 * since the client's MODSEQ, then FETCH (UID FLAGS MODSEQ) of the messages changed since it.
 * Nothing when UIDVALIDITY differs: the client must then forget everything it has.
 */
export async function resyncLines(store: MailStore, selected: SelectedMailbox, parameter: QresyncParameter): Promise<UntaggedLine[]> {
  const info = selected.info;
  if (parameter.uidValidity !== info.uidValidity) return [];
  const known = parameter.knownUids ?? ALL;
  const star = Math.max(info.uidNext - 1, selected.uids[selected.exists - 1] ?? 0);
  const lines: UntaggedLine[] = [];
  const vanished = await vanishedSince(store, info, parameter.modSeq, known, star, async () => selected.uids);
  if (vanished) lines.push([`VANISHED (EARLIER) ${vanished}`]);
  for (const row of await store.listMessages(info.id, { changedSince: parameter.modSeq })) {
    const seq = selected.seqOf(row.uid);
    if (seq === 0 || !sequenceSetContains(known, row.uid, star)) continue;
    lines.push([`${seq} FETCH`, [atom('UID'), row.uid, atom('FLAGS'), selected.flagsFor(row.uid, row.flags), atom('MODSEQ'), [row.modSeq]]]);
  }
  return lines;
}

/**
 * UIDs of `set` (`*` = `star`) expunged after `since`, as sequence-set text (empty: none). From the
 * history when it reaches back that far, else every UID of the set not in `present()` (the
 * mailbox's UIDs now, ascending; only read in that case).
 */
export async function vanishedSince(
  store: MailStore,
  mailbox: MailboxInfo,
  since: ModSeq,
  set: SequenceSet,
  star: number,
  present: () => Promise<ArrayLike<number>>,
): Promise<string> {
  const expunged = await store.expungedSince(mailbox.id, since);
  if (expunged === null) {
    // Every UID ever given out is below UIDNEXT (RFC 3501 §2.3.1.1); read now, as it only grows.
    const uidNext = (await store.getMailboxById(mailbox.id))?.uidNext ?? mailbox.uidNext;
    return missingFromSet(set, star, uidNext - 1, await present());
  }
  return formatSequenceSet(expunged.filter((uid: Uid) => sequenceSetContains(set, uid, star)));
}
