/**
 * RFC 5267 §4.3 live searches (CONTEXT=SEARCH, CONTEXT=SORT): a SEARCH or SORT with RETURN (UPDATE)
 * stays live on the selected mailbox, and when messages enter or leave its result the client is
 * told with an unsolicited `ESEARCH (TAG "t") REMOVEFROM (…) ADDTO (…)`, followed by the new MIN,
 * MAX and COUNT when the search asked for those.
 *
 * Invariants:
 *   - the searches belong to one SelectedMailbox, so SELECT, EXAMINE, CLOSE, UNSELECT and the end
 *     of the session end them (RFC 5267 §4.3: a context lives in its mailbox only);
 *   - `matches` are UIDs in the result's order, as the client was last told them;
 *   - removeExpunged() runs where EXPUNGE may be sent, just before the EXPUNGE responses, so that
 *     a REMOVEFROM names an expunged message by the sequence number the client still has for it
 *     (RFC 3501 §7.4.1 renumbers after each EXPUNGE; Dovecot orders them the same way);
 *   - refresh() runs at every point where the session writes unsolicited updates, after them, on
 *     the updated map (session.ts flushUpdates): ESEARCH is no EXPUNGE, so it may come during
 *     FETCH, STORE and SEARCH too (RFC 3501 §7.4.1 restricts only EXPUNGE), as Dovecot sends it. A
 *     message expunged but not yet announced there matches nothing, so it leaves by a REMOVEFROM
 *     under the sequence number the client still has;
 *   - sort keys never change for a message, so a message that stays keeps its place among the others;
 *   - a search whose keys judge each message by itself alone (no sequence numbers, no UID set,
 *     whose `*` moves with new mail) is re-run on the messages that changed only, and merged: the
 *     others cannot have entered, left or moved in it. A change made by another process (found by
 *     a full resync, with no list of messages) re-runs every search on the whole mailbox.
 */
import { ImapError } from '../errors.js';
import { atom, type ImapValue, type UntaggedLine } from '../responses.js';
import { formatSequenceSet } from '../sequence-set.js';
import type { MailboxChange, Uid } from '../../store/index.js';
import type { ResultOrder, SearchOutcome } from './execute.js';
import type { ReturnOption, SearchKey } from './query.js';
import { resultData } from './results.js';

/** Live searches one session may keep in its mailbox; each change re-runs every one of them. */
export const MAX_LIVE_SEARCHES = 10;

export interface LiveSearchSpec {
  /** The tag of the command that started it: ESEARCH updates carry it, CANCELUPDATE names it. */
  readonly tag: string;
  readonly uid: boolean;
  readonly key: SearchKey;
  readonly order: Extract<ResultOrder, { kind: 'ascending' | 'sort' }>;
  readonly returns: ReadonlySet<ReturnOption>;
}

interface LiveSearch extends LiveSearchSpec {
  matches: readonly Uid[];
}

/** Runs a search over the selected mailbox as the session sees it now. */
export type RunSearch = (key: SearchKey, order: ResultOrder) => Promise<SearchOutcome>;

/** The session's sequence-number ↔ UID map (SelectedMailbox). */
export interface Numbering {
  uidAt(seq: number): Uid | undefined;
  seqOf(uid: Uid): number;
}

export class LiveSearches {
  private readonly searches = new Map<string, LiveSearch>();
  /** The messages added, expunged or flagged since the last refresh; null: unknown, the whole mailbox. */
  private changed: Set<Uid> | null = new Set();

  /**
   * Keeps a search live from its first answer (`matches`, UIDs in result order). `behind`: the
   * mailbox has changes the answer may not reflect (noted before any search was live, or while it
   * ran), so the next refresh covers the whole mailbox. False when the session already has
   * MAX_LIVE_SEARCHES: the caller answers NOUPDATE (RFC 5267 §4.3).
   */
  start(spec: LiveSearchSpec, matches: readonly Uid[], behind: boolean): boolean {
    // RFC 5267 §4.3: clients must not reuse the tag of a live search; if one does, the newer wins.
    this.searches.delete(spec.tag);
    if (this.searches.size >= MAX_LIVE_SEARCHES) return false;
    this.searches.set(spec.tag, { ...spec, matches });
    if (behind) this.changed = null;
    return true;
  }

  /** RFC 5267 §4.5 CANCELUPDATE; false when no live search has that tag. */
  cancel(tag: string): boolean {
    return this.searches.delete(tag);
  }

  /** A change of the mailbox (SelectedMailbox.noteChange): the results may differ for these messages. */
  noteChange(change: MailboxChange): void {
    if (this.searches.size === 0 || change.kind === 'mailboxes') return;
    if (change.kind === 'external') this.changed = null;
    else if (this.changed) for (const uid of change.uids) this.changed.add(uid);
  }

  get needsRefresh(): boolean {
    return this.searches.size > 0 && (this.changed === null || this.changed.size > 0);
  }

  /** REMOVEFROM for the messages of each live search that are about to be announced expunged. */
  removeExpunged(numbering: Numbering & { isExpunged(uid: Uid): boolean }): UntaggedLine[] {
    const lines: UntaggedLine[] = [];
    for (const search of this.searches.values()) {
      const after = search.matches.filter((uid) => !numbering.isExpunged(uid));
      if (after.length === search.matches.length) continue;
      const data = updateData(search, after, numbering);
      search.matches = after;
      if (data) lines.push(['ESEARCH', ...data]);
    }
    return lines;
  }

  /**
   * Re-runs each live search and returns the ESEARCH updates for those whose result changed. A
   * search that can no longer run (NO [LIMIT]) stops being live, which RFC 5267 §4.3 has the
   * server say with NOUPDATE.
   */
  async refresh(run: RunSearch, numbering: Numbering): Promise<UntaggedLine[]> {
    const changed = this.changed;
    this.changed = new Set();
    const lines: UntaggedLine[] = [];
    for (const search of [...this.searches.values()]) {
      let after: Uid[];
      try {
        after = await rerun(search, changed, run, numbering);
      } catch (error) {
        if (!(error instanceof ImapError)) throw error;
        this.searches.delete(search.tag);
        lines.push([`NO [NOUPDATE "${search.tag}"] No more updates for this search: ${error.message}`]);
        continue;
      }
      const data = updateData(search, after, numbering);
      search.matches = after;
      if (data) lines.push(['ESEARCH', ...data]);
    }
    return lines;
  }
}

/**
 * The search's new matches (UIDs in result order): on the changed messages alone where that is
 * enough, the others kept in their places (a SORT's put into them by mergeSorted).
 */
async function rerun(search: LiveSearch, changed: ReadonlySet<Uid> | null, run: RunSearch, numbering: Numbering): Promise<Uid[]> {
  const toUids = (seqs: readonly number[]) => seqs.map((seq) => numbering.uidAt(seq)!);
  if (changed === null || !judgesEachMessageAlone(search.key)) return toUids((await run(search.key, search.order)).seqs);
  const onChanged: SearchKey = { kind: 'and', keys: [{ kind: 'uid', set: [...changed].map((uid) => ({ from: uid, to: uid })) }, search.key] };
  const kept = search.matches.filter((uid) => !changed.has(uid) && numbering.seqOf(uid) > 0);
  if (search.order.kind === 'sort') {
    const sorted = kept.map((uid) => numbering.seqOf(uid));
    return toUids((await run(onChanged, { kind: 'sort-into', criteria: search.order.criteria, sorted })).seqs);
  }
  const entered = toUids((await run(onChanged, search.order)).seqs);
  return [...kept, ...entered].sort((a, b) => a - b);
}

/** False for keys whose answer for a message depends on the others: sequence numbers, and UID sets (their `*`). */
function judgesEachMessageAlone(key: SearchKey): boolean {
  switch (key.kind) {
    case 'sequence':
    case 'uid':
      return false;
    case 'not':
      return judgesEachMessageAlone(key.key);
    case 'or':
      return judgesEachMessageAlone(key.left) && judgesEachMessageAlone(key.right);
    case 'and':
      return key.keys.every(judgesEachMessageAlone);
    default:
      return true;
  }
}

/**
 * The return data of one update, null when the client need not hear of it: REMOVEFROM/ADDTO in
 * every case (what RFC 5267 §4.3 defines, and all Dovecot sends), then the current MIN, MAX and
 * COUNT when the search asked for them, so that a client keeping only those need not recount. A
 * sequence number the session no longer has (the map lost it without a removeExpunged(), as after
 * a full resync) was announced by its EXPUNGE and is not named again.
 */
function updateData(search: LiveSearch, after: readonly Uid[], numbering: Numbering): ImapValue[] | null {
  const membershipChanged = after.length !== search.matches.length || after.some((uid, i) => uid !== search.matches[i]);
  if (!membershipChanged) return null;
  const clientNumbers = (uids: readonly Uid[]): number[] => (search.uid ? [...uids] : uids.map((uid) => numbering.seqOf(uid)).filter((seq) => seq > 0));
  const now = clientNumbers(after);
  const data = membershipChanges(search.order.kind === 'sort', clientNumbers(search.matches), now);
  const summary = new Set([...search.returns].filter((option) => option === 'MIN' || option === 'MAX' || option === 'COUNT'));
  if (data.length === 0 && summary.size === 0) return null;
  data.push(...resultData(summary, now));
  return [[atom('TAG'), search.tag], ...(search.uid ? [atom('UID')] : []), ...data];
}

/**
 * RFC 5267 §4.3 `REMOVEFROM (position set …)` then `ADDTO (position set …)`, which the client
 * applies in order. A SEARCH result is ascending, so position 0 ("anywhere", RFC 5267 §5
 * context-position) and one set each. A SORT result gets each run of neighbouring positions as
 * its own pair: removals from the last run back, so that a position is where that run is now;
 * additions from the first run on, each at the position it has in the new result.
 */
function membershipChanges(sorted: boolean, before: readonly number[], after: readonly number[]): ImapValue[] {
  const afterSet = new Set(after);
  const beforeSet = new Set(before);
  const removed = positionsOf(before, (n) => !afterSet.has(n));
  const added = positionsOf(after, (n) => !beforeSet.has(n));
  const data: ImapValue[] = [];
  if (removed.length > 0) {
    const pairs = sorted ? runs(removed, before).reverse().flat() : [0, atom(formatSequenceSet(removed.map((p) => before[p - 1]!)))];
    data.push(atom('REMOVEFROM'), pairs);
  }
  if (added.length > 0) {
    const pairs = sorted ? runs(added, after).flat() : [0, atom(formatSequenceSet(added.map((p) => after[p - 1]!)))];
    data.push(atom('ADDTO'), pairs);
  }
  return data;
}

/** Positions (from 1) of the list's entries that `select` picks. */
function positionsOf(list: readonly number[], select: (n: number) => boolean): number[] {
  const positions: number[] = [];
  list.forEach((n, i) => {
    if (select(n)) positions.push(i + 1);
  });
  return positions;
}

/** Ascending positions grouped into runs of neighbours, each as [first position, its numbers as a set in list order]. */
function runs(positions: readonly number[], list: readonly number[]): [number, ImapValue][] {
  const out: [number, ImapValue][] = [];
  let start = 0;
  for (let i = 1; i <= positions.length; i++) {
    if (i < positions.length && positions[i] === positions[i - 1]! + 1) continue;
    const numbers = positions.slice(start, i).map((p) => list[p - 1]!);
    out.push([positions[start]!, atom(formatSequenceSet(numbers))]);
    start = i;
  }
  return out;
}
