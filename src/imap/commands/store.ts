import type { MailStore } from '../../store/index.js';
import type { FlagOperation, MailboxId, MessageRow, ModSeq, Uid } from '../../store/index.js';
import { auditDelegate } from '../delegate-audit.js';
import { refuse } from '../errors.js';
import { requireRight } from '../mailboxes.js';
import { rowsOf } from '../message-rows.js';
import type { ArgReader } from '../parser.js';
import { atom, type ImapValue } from '../responses.js';
import { formatSequenceSet, readSequenceSet, resolveSequenceNumbers, resolveUidSet } from '../sequence-set.js';
import type { Session } from '../session.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.4.6 STORE and §6.4.8 UID STORE, with the RFC 7162 §3.1.3 UNCHANGEDSINCE modifier:
 *
 *   store = "STORE" SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"]
 *           SP ["+" / "-"] "FLAGS" [".SILENT"] SP (flag-list / (flag *(SP flag)))
 *
 * Each message named gets `* n FETCH (FLAGS …)` unless .SILENT; once CONDSTORE is on, MODSEQ goes
 * with it, and with .SILENT a changed message still gets `FETCH (MODSEQ …)` (RFC 7162 §3.1.3).
 * Messages that failed UNCHANGEDSINCE are listed in `OK [MODIFIED set]`. A message another
 * session expunged is skipped without failing the rest (RFC 2180 §4.2.1).
 */
export const store: CommandHandler = async (session, { uid, args }) => {
  const selected = session.requireSelected();
  args.space();
  const set = readSequenceSet(args, uid ? 'uid' : 'seq');
  args.space();
  const unchangedSince = readUnchangedSince(args);
  const operation: FlagOperation = args.take('+') ? 'add' : args.take('-') ? 'remove' : 'set';
  const item = args.keyword();
  if (item !== 'FLAGS' && item !== 'FLAGS.SILENT') throw args.error(`expected FLAGS or FLAGS.SILENT, not ${item}`);
  args.space();
  const flags = readFlags(args);
  args.end();
  const seqs = uid ? resolveUidSet(set, selected.uids) : resolveSequenceNumbers(set, selected.exists);
  if (selected.readOnly) throw refuse('CANNOT', 'The mailbox is read-only');
  requireFlagRights(session, operation, flags);
  if (unchangedSince !== null) session.enableCondstore();

  const mailbox = selected.info.id;
  const uids = seqs.map((seq) => selected.uidAt(seq)!).filter((u) => !selected.isExpunged(u));
  const result = await session.ctx.store.storeFlags(mailbox, uids, operation, flags, unchangedSince ?? undefined);
  if (result.updated.length > 0) await auditDelegate(session, selected.info, 'flags', { uids: result.updated.map((row) => row.uid), extra: { operation, flags } });
  const silent = item === 'FLAGS.SILENT';
  const condstore = session.condstore;
  const updated = new Map<Uid, MessageRow>(result.updated.map((row) => [row.uid, row]));
  const modified = new Set(result.modified);
  // Without .SILENT every message named is reported, changed or not; unchanged ones need their row,
  // read only when there are some (usually every message named changed).
  let reported: ReadonlyMap<Uid, MessageRow> = new Map();
  if (!silent) {
    const unchanged = uids.length > updated.size + modified.size;
    reported = unchanged ? new Map([...await currentRows(session.ctx.store, mailbox, uids, modified), ...updated]) : updated;
  } else if (condstore) {
    reported = updated;
  }
  for (const row of [...reported.values()].sort((a, b) => a.uid - b.uid)) {
    const items: ImapValue[] = [];
    if (!silent) items.push(atom('FLAGS'), selected.flagsFor(row.uid, row.flags));
    if (uid) items.push(atom('UID'), row.uid);
    if (condstore) items.push(atom('MODSEQ'), [row.modSeq]);
    session.out.untagged(`${selected.seqOf(row.uid)} FETCH`, items);
  }
  selected.markFlagsReported(updated.keys());
  if (modified.size > 0) {
    const failed = [...modified].map((u) => (uid ? u : selected.seqOf(u))).sort((a, b) => a - b);
    return { code: `MODIFIED ${formatSequenceSet(failed)}`, text: 'Conditional STORE failed' };
  }
  return { text: `${uid ? 'UID STORE' : 'STORE'} completed` };
};

/**
 * RFC 4314 §4: \Seen needs `s`, \Deleted `t`, any other flag `w`. Replacing the flags (no +/-)
 * may clear any of them, so it needs all three.
 */
function requireFlagRights(session: Session, operation: FlagOperation, flags: readonly string[]): void {
  const lower = flags.map((f) => f.toLowerCase());
  const replacing = operation === 'set';
  if (replacing || lower.includes('\\seen')) requireRight(session, 's', 'change \\Seen');
  if (replacing || lower.includes('\\deleted')) requireRight(session, 't', 'change \\Deleted');
  if (replacing || lower.some((f) => f !== '\\seen' && f !== '\\deleted')) requireRight(session, 'w', 'change flags');
}

/** RFC 7162 §3.1.3 store-modifier list; null when absent. */
function readUnchangedSince(args: ArgReader): ModSeq | null {
  if (args.peek() !== 0x28) return null;
  let value: number | null = null;
  args.list(() => {
    const modifier = args.keyword();
    if (modifier !== 'UNCHANGEDSINCE') throw args.error(`unknown STORE modifier ${modifier}`);
    args.space();
    value = args.modSeq();
  }, false);
  args.space();
  return value as ModSeq | null;
}

/** flag-list, or flags separated by spaces (RFC 3501 §9 store-att-flags). */
function readFlags(args: ArgReader): string[] {
  if (args.peek() === 0x28) return args.flagList();
  const flags = [args.flag()];
  while (!args.atEnd()) {
    args.space();
    flags.push(args.flag());
  }
  return flags;
}

/** Current rows of the named messages that STORE left unchanged (and that did not fail UNCHANGEDSINCE). */
async function currentRows(store: MailStore, mailbox: MailboxId, uids: readonly Uid[], modified: ReadonlySet<Uid>): Promise<Map<Uid, MessageRow>> {
  const rows = await rowsOf(store, mailbox, uids);
  for (const uid of modified) rows.delete(uid);
  return rows;
}
