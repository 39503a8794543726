/**
 * The selected mailbox of one session (RFC 3501 §3.3): its sequence-number ↔ UID map, its \Recent
 * set, and the changes other sessions (or SMTP delivery) made that this session has not been told
 * about yet.
 *
 * For commands:
 *   selected.info          MailboxInfo at SELECT time (id, name, uidValidity)
 *   selected.readOnly      EXAMINE, or SELECT without write access
 *   selected.exists        number of messages this session knows of (highest sequence number)
 *   selected.uids          Uid by sequence number - 1, ascending (a view: never mutate it, and
 *                          don't keep it past the command — the next update may reallocate it)
 *   selected.uidAt(seq)    Uid | undefined
 *   selected.seqOf(uid)    sequence number, 0 when not in the map
 *   selected.isExpunged(uid)  expunged elsewhere but not yet announced: RFC 2180 §4.1 — FETCH may
 *                          answer what it can, STORE must not fail the whole command
 *   selected.flagsFor(uid, flags)  stored flags plus \Recent when this session holds it
 *   selected.markFlagsReported(uids)  after STORE wrote its own FETCH responses, so they are not
 *                          repeated as unsolicited updates
 *   selected.liveSearches  RFC 5267 §4.3 searches kept up to date (search/live-searches.ts); they
 *                          end with this object, i.e. with SELECT, EXAMINE, CLOSE, UNSELECT
 *
 * Invariants: the map changes only in collectUpdates(), which the session calls where RFC 3501
 * §7.4.1 allows (EXPUNGE never during FETCH/STORE/SEARCH nor without a command in progress;
 * inside IDLE at once). Sequence numbers seen by a command are therefore stable during it.
 */
import type { MailStore } from '../store/index.js';
import type { MailboxChange, MailboxInfo, MessageRow, ModSeq, Uid } from '../store/index.js';
import { atom, type ImapValue, type UntaggedLine } from './responses.js';
import { LiveSearches } from './search/live-searches.js';
import { formatSequenceSet } from './sequence-set.js';

export interface UpdateOptions {
  /** May EXPUNGE responses be sent now (false during FETCH, STORE, SEARCH with sequence numbers)? */
  readonly expungeAllowed: boolean;
  /** RFC 7162 §3.2: after CONDSTORE is enabled, unsolicited FETCH carries MODSEQ. */
  readonly condstore: boolean;
  /** RFC 7162 §3.2.10: after ENABLE QRESYNC, one VANISHED replaces the EXPUNGE responses. */
  readonly qresync: boolean;
}

export class SelectedMailbox {
  /**
   * The UIDs by sequence number in the first `count` slots, with room to grow: 4 bytes a message
   * (a JS array of numbers takes 8), since a client may keep one IDLE connection per folder.
   */
  private uidBuffer: Uint32Array;
  private count: number;
  private readonly recentSet: Set<Uid>;
  private knownModSeq: ModSeq;
  private readonly pendingExpunge = new Set<Uid>();
  private readonly pendingFlags = new Set<Uid>();
  private pendingAppend = false;
  private needsFullSync = false;
  /** RFC 5182 SEARCHRES: the last `RETURN (SAVE)` result, as UIDs; empty in a newly selected mailbox (§2.1). */
  private saved: readonly Uid[] = [];
  readonly liveSearches = new LiveSearches();

  constructor(
    readonly info: MailboxInfo,
    readonly readOnly: boolean,
    rows: readonly MessageRow[],
    recent: Iterable<Uid>,
    /** RFC 9051 Appendix E: an IMAP4rev2 session has no \Recent, so no RECENT responses either. */
    private readonly tracksRecent = true,
  ) {
    this.uidBuffer = Uint32Array.from(rows, (r) => r.uid);
    this.count = rows.length;
    this.recentSet = new Set(recent);
    this.knownModSeq = rows.reduce((max, r) => (r.modSeq > max ? r.modSeq : max), info.highestModSeq);
  }

  get uids(): Uint32Array {
    return this.uidBuffer.subarray(0, this.count);
  }

  get exists(): number {
    return this.count;
  }

  get recentCount(): number {
    return this.recentSet.size;
  }

  /** Highest MODSEQ this session has been told about (RFC 7162 HIGHESTMODSEQ). */
  get highestModSeq(): ModSeq {
    return this.knownModSeq;
  }

  uidAt(seq: number): Uid | undefined {
    return seq >= 1 && seq <= this.count ? (this.uidBuffer[seq - 1] as Uid) : undefined;
  }

  seqOf(uid: Uid): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.uidBuffer[mid]!;
      if (at === uid) return mid + 1;
      if (at < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  isExpunged(uid: Uid): boolean {
    return this.pendingExpunge.has(uid);
  }

  saveResult(uids: readonly Uid[]): void {
    this.saved = uids;
  }

  /**
   * RFC 5182 §2.1 `$`: the saved messages that are still here, as UIDs or as sequence numbers
   * (ascending); an expunged message has left the saved result.
   */
  savedResult(as: 'uid' | 'seq'): number[] {
    const seqs = this.saved.map((uid) => this.seqOf(uid)).filter((seq) => seq > 0).sort((a, b) => a - b);
    return as === 'seq' ? seqs : seqs.map((seq) => this.uidAt(seq)!);
  }

  /** The session's \Recent UIDs (RFC 3501 §2.3.2), for a search that runs elsewhere. */
  recentUids(): Uid[] {
    return [...this.recentSet];
  }

  isRecent(uid: Uid): boolean {
    return this.recentSet.has(uid);
  }

  /** RFC 3501 §2.3.2: \Recent is a session flag, never stored. */
  flagsFor(uid: Uid, flags: readonly string[]): ImapValue[] {
    const out: ImapValue[] = flags.map((f) => atom(f));
    if (this.recentSet.has(uid)) out.push(atom('\\Recent'));
    return out;
  }

  markFlagsReported(uids: Iterable<Uid>): void {
    for (const uid of uids) this.pendingFlags.delete(uid);
  }

  /** Records a store change for this mailbox; nothing is written until collectUpdates(). */
  noteChange(change: MailboxChange): void {
    this.liveSearches.noteChange(change);
    switch (change.kind) {
      case 'append':
        this.pendingAppend = true;
        break;
      case 'expunge':
        for (const uid of change.uids) if (this.seqOf(uid) > 0) this.pendingExpunge.add(uid);
        break;
      case 'flags':
        for (const uid of change.uids) this.pendingFlags.add(uid);
        break;
      case 'external':
        this.needsFullSync = true;
        break;
      case 'mailboxes':
        break;
    }
  }

  get hasPendingUpdates(): boolean {
    return this.pendingAppend || this.needsFullSync || this.pendingExpunge.size > 0 || this.pendingFlags.size > 0;
  }

  /**
   * Applies pending changes to the map and returns the untagged responses that announce them, in
   * the order RFC 3501 §7.4.1 needs: EXPUNGEs (each renumbering the rest), then EXISTS/RECENT for
   * new messages, then FETCH FLAGS for changed ones.
   */
  async collectUpdates(store: MailStore, options: UpdateOptions): Promise<UntaggedLine[]> {
    if (!this.hasPendingUpdates) return [];
    const lines: UntaggedLine[] = [];
    let changed: readonly MessageRow[] | null = null;
    if (this.needsFullSync) {
      // Another process wrote the database: compare the whole mailbox with what we announced.
      this.needsFullSync = false;
      const all = await store.listMessages(this.info.id);
      const present = new Set(all.map((r) => r.uid));
      for (const uid of this.uids) if (!present.has(uid as Uid)) this.pendingExpunge.add(uid as Uid);
      changed = all.filter((r) => r.modSeq > this.knownModSeq);
      for (const row of changed) this.pendingFlags.add(row.uid);
      this.pendingAppend = true;
    }
    if (options.expungeAllowed && this.pendingExpunge.size > 0) {
      lines.push(...this.removeExpunged(options.qresync));
    }
    if (this.pendingAppend || this.pendingFlags.size > 0) {
      // Taken before the read: a change noted while it is under way stays pending for the next announcement.
      const flagged = new Set(this.pendingFlags);
      this.pendingAppend = false;
      this.pendingFlags.clear();
      changed ??= await store.listMessages(this.info.id, { changedSince: this.knownModSeq });
      const lastKnown = this.count > 0 ? this.uidBuffer[this.count - 1]! : 0;
      const added = changed.filter((r) => r.uid > lastKnown).sort((a, b) => a.uid - b.uid);
      if (added.length > 0) {
        this.appendUids(added.map((r) => r.uid));
        lines.push([`${this.count} EXISTS`]);
        if (this.tracksRecent) {
          const recent = this.readOnly ? await store.recentUids(this.info.id) : await store.claimRecent(this.info.id);
          for (const uid of recent) this.recentSet.add(uid);
          lines.push([`${this.recentSet.size} RECENT`]);
        }
      }
      for (const row of changed) {
        if (row.modSeq > this.knownModSeq) this.knownModSeq = row.modSeq;
        if (row.uid > lastKnown || !flagged.has(row.uid) || this.pendingExpunge.has(row.uid)) continue;
        const seq = this.seqOf(row.uid);
        if (seq === 0) continue;
        const items: ImapValue[] = [atom('UID'), row.uid, atom('FLAGS'), this.flagsFor(row.uid, row.flags)];
        if (options.condstore) items.push(atom('MODSEQ'), [row.modSeq]);
        lines.push([`${seq} FETCH`, items]);
      }
    }
    return lines;
  }

  /**
   * Takes the pending expunges out of the map in one pass. RFC 3501 §7.4.1: each EXPUNGE
   * renumbers the messages after it at once, so in ascending order the n-th removed message
   * (from 0) is announced at its original sequence number minus n. RFC 7162 §3.2.10: a QRESYNC
   * session gets one `VANISHED uid-set` instead.
   */
  private removeExpunged(qresync: boolean): UntaggedLine[] {
    const lines: UntaggedLine[] = [];
    const removed: Uid[] = [];
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const uid = this.uidBuffer[i]! as Uid;
      if (this.pendingExpunge.has(uid)) {
        this.recentSet.delete(uid);
        lines.push([`${i + 1 - lines.length} EXPUNGE`]);
        removed.push(uid);
      } else {
        this.uidBuffer[kept++] = uid;
      }
    }
    this.count = kept;
    this.pendingExpunge.clear();
    if (qresync && removed.length > 0) return [[`VANISHED ${formatSequenceSet(removed)}`]];
    return lines;
  }

  /** New UIDs (ascending, above the last one) at the end, growing the buffer by half when full. */
  private appendUids(uids: readonly Uid[]): void {
    if (this.count + uids.length > this.uidBuffer.length) {
      const grown = new Uint32Array(Math.max(this.count + uids.length, Math.ceil(this.uidBuffer.length * 1.5), 16));
      grown.set(this.uidBuffer.subarray(0, this.count));
      this.uidBuffer = grown;
    }
    this.uidBuffer.set(uids, this.count);
    this.count += uids.length;
  }
}
