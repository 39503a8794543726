import { MAILBOX_DELIMITER } from '../../store/index.js';
import { hasRight, requireMailbox, requireRight } from '../mailboxes.js';
import { hasVisibleChildren, wireNameOf } from '../namespaces.js';
import { atom } from '../responses.js';
import { readQresyncParameter, resyncLines, type QresyncParameter } from '../qresync.js';
import { SelectedMailbox } from '../selected.js';
import { auditDelegate } from '../delegate-audit.js';
import type { Session } from '../session.js';
import type { CommandHandler, CommandRequest, Completion } from './handler.js';

/** RFC 3501 §2.3.2 system flags (\Recent is the server's, never set by clients). */
export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;

/** RFC 4314 §4: rights that let a session change a mailbox; with none of them SELECT is read-only. */
const WRITE_RIGHTS = /[siwte]/;

/**
 * RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE, with the RFC 7162 CONDSTORE (§3.1.8) and QRESYNC
 * (§3.2.5, qresync.ts) select parameters.
 * A failed SELECT leaves no mailbox selected; switching mailboxes announces `OK [CLOSED]` first
 * (RFC 7162 §3.2.11, part of IMAP4rev2).
 */
async function open(session: Session, { args }: CommandRequest, examine: boolean): Promise<Completion> {
  args.space();
  const name = args.mailbox();
  let qresync: QresyncParameter | null = null;
  if (!args.atEnd()) {
    args.space();
    args.list(() => {
      const param = args.keyword();
      if (param === 'QRESYNC') {
        // RFC 7162 §3.2.5: BAD unless the client ENABLEd QRESYNC first.
        if (!session.qresync) throw args.error('QRESYNC parameter without ENABLE QRESYNC');
        qresync = readQresyncParameter(args);
      } else if (param !== 'CONDSTORE') throw args.error(`unknown SELECT parameter ${param.slice(0, 20)}`);
      return param;
    }, false);
    session.enabled.add('CONDSTORE'); // RFC 7162 §3.1: a CONDSTORE parameter enables it
  }
  args.end();
  if (session.selected) {
    session.deselect();
    session.out.untagged('OK [CLOSED] Previous mailbox closed');
  }
  const mailbox = await requireMailbox(session, name);
  requireRight(session, 'r', 'read this mailbox', mailbox);
  const readOnly = examine || !hasRight(session, WRITE_RIGHTS, mailbox);
  const store = session.ctx.store;
  const rows = await store.listMessages(mailbox.id);
  // RFC 3501 §2.3.2: the first session to SELECT takes \Recent; EXAMINE sees it without
  // clearing it (§6.3.2: "MUST NOT cause messages to lose the \Recent flag"). RFC 9051 has no
  // \Recent: an IMAP4rev2 session leaves it to the RFC 3501 sessions.
  const rev2 = session.imap4rev2;
  const recent = rev2 ? [] : readOnly ? await store.recentUids(mailbox.id) : await store.claimRecent(mailbox.id);
  const selected = new SelectedMailbox(mailbox, readOnly, rows, recent, !rev2);

  const keywords = new Set<string>();
  for (const row of rows) for (const flag of row.flags) if (!flag.startsWith('\\')) keywords.add(flag);
  const flags = [...SYSTEM_FLAGS, ...[...keywords].sort()];
  const recentCount = selected.recentCount;
  const firstUnseen = rows.findIndex((r) => !r.flags.includes('\\Seen')) + 1;
  const lastUid = rows[rows.length - 1]?.uid ?? 0;
  const uidNext = Math.max(mailbox.uidNext, lastUid + 1);

  session.out.untagged('FLAGS', flags.map((f) => atom(f)));
  session.out.untagged(`${rows.length} EXISTS`);
  if (rev2) {
    // RFC 9051 §6.3.2: a LIST response with the mailbox's name whose attributes "MUST be
    // accurate", \HasChildren or \HasNoChildren included (§6.3.9.5); no RECENT, no UNSEEN code.
    // A unit's special-use folders are not the delegate's (as in LIST).
    const specialUse = mailbox.account === session.account ? mailbox.specialUse : null;
    const children = atom(await hasVisibleChildren(session, wireNameOf(session, mailbox)) ? '\\HasChildren' : '\\HasNoChildren');
    session.out.untagged('LIST', specialUse ? [children, atom(specialUse)] : [children], MAILBOX_DELIMITER, session.mailboxName(mailbox));
  } else {
    session.out.untagged(`${recentCount} RECENT`);
    if (firstUnseen > 0) session.out.untagged(`OK [UNSEEN ${firstUnseen}] First unseen message`);
  }
  // RFC 3501 §7.1: "\*" means clients may create keywords.
  const permanent = readOnly ? '' : [...flags, '\\*'].join(' ');
  session.out.untagged(`OK [PERMANENTFLAGS (${permanent})] Flags permitted`);
  session.out.untagged(`OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid`);
  session.out.untagged(`OK [UIDNEXT ${uidNext}] Predicted next UID`);
  session.out.untagged(`OK [HIGHESTMODSEQ ${selected.highestModSeq}] Highest mod-sequence`);
  if (qresync) for (const line of await resyncLines(store, selected, qresync)) session.out.untagged(...line);
  session.select(selected);
  await auditDelegate(session, mailbox, 'open', { extra: { readOnly } });
  return { code: readOnly ? 'READ-ONLY' : 'READ-WRITE', text: `${examine ? 'EXAMINE' : 'SELECT'} completed` };
}

export const select: CommandHandler = (session, request) => open(session, request, false);
export const examine: CommandHandler = (session, request) => open(session, request, true);
