/**
 * What one session asked NOTIFY (RFC 5465) to tell it, and the notifications waiting to be sent.
 *
 * Invariants:
 *   - Nothing is said about a mailbox the person may not see: every mailbox goes through
 *     namespaces.ts (`locate`, `visibleMailboxes`) when its event arrives, so rights are those of
 *     now, and STATUS needs "r" (RFC 4314 §4, docs/architecture.md invariant 3).
 *   - Bounded memory: STATUS notifications are one per mailbox (their values read when sent), LIST
 *     ones wait in a list; past MAX_PENDING of them the session gets `OK [NOTIFICATIONOVERFLOW]`
 *     and notifications stop, as after NOTIFY NONE (§5.8).
 *   - The selected mailbox is the session's SelectedMailbox's business: here it is only marked
 *     due, when the client asked for that kind of event with SELECTED or SELECTED-DELAYED (§6.1).
 */
import { MAILBOX_DELIMITER, type AccountId, type MailboxChange, type MailboxId, type MailboxInfo } from '../../store/index.js';
import { locate, rightsOn, sharedPrefix, visibleMailboxes, wireNameOf, type NamespaceSession } from '../namespaces.js';
import { atom, type ImapValue } from '../responses.js';
import type { UntaggedLine } from '../responses.js';
import { statusValues, type StatusItem } from '../status-values.js';
import { filterCovers, type FilterScope, type WatchedMailbox } from './filters.js';
import type { MessageEvent, NotifyEvent, NotifyRequest } from './request.js';

/** Distinct notifications a connection may hold unsent before §5.8 overflow. */
export const MAX_PENDING = 256;

/** What of a Session the watcher reads (a Session is one). */
export interface NotifySession extends NamespaceSession {
  readonly selected: { readonly info: MailboxInfo } | null;
  readonly condstore: boolean;
  wireName(name: string): ImapValue;
}

const EVENT_OF: Readonly<Record<'append' | 'expunge' | 'flags', MessageEvent>> = { append: 'MessageNew', expunge: 'MessageExpunge', flags: 'FlagChange' };

export class NotifyWatcher {
  /** The mailboxes the session could LIST when last looked at, to tell creations, renames and deletions apart (§5.4). */
  private mailboxes: Map<MailboxId, WatchedMailbox>;
  private subscriptions: Set<string>;
  private readonly pendingStatus = new Set<MailboxId>();
  private readonly pendingLines: UntaggedLine[] = [];
  private selectedDue = false;
  /** §5.8: too much piled up; the session says so once and forgets this watcher. */
  overflowed = false;

  /**
   * Store changes are noted one after the other, each after the previous one's reads: a note
   * compares the names with the last look, which an overlapping note would have moved on.
   */
  private noting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly session: NotifySession,
    readonly request: NotifyRequest,
    looked: { readonly mailboxes: Map<MailboxId, WatchedMailbox>; readonly subscriptions: Set<string> },
  ) {
    this.mailboxes = looked.mailboxes;
    this.subscriptions = looked.subscriptions;
  }

  /** A watcher that starts from the mailboxes and subscriptions of now. */
  static async open(session: NotifySession, request: NotifyRequest): Promise<NotifyWatcher> {
    return new NotifyWatcher(session, request, { mailboxes: await readMailboxes(session), subscriptions: await readSubscriptions(session) });
  }

  /**
   * §3.1 STATUS indicator: a STATUS response for every mailbox other than the selected one for
   * which message events were asked.
   */
  async statusNow(): Promise<UntaggedLine[]> {
    const lines: UntaggedLine[] = [];
    for (const [id, mailbox] of this.mailboxes) {
      if (id === this.session.selected?.info.id || !this.coveredFor(mailbox, 'MessageNew')) continue;
      const line = await this.statusLine(id);
      if (line) lines.push(line);
    }
    return lines;
  }

  /**
   * A committed store change. `own`: it happened while this session's command ran (RFC 5465 §5:
   * the server SHOULD NOT tell a client of what it did itself; the selected mailbox is still
   * announced by RFC 3501's rules).
   */
  note(change: MailboxChange, own: boolean): Promise<void> {
    // The selected mailbox needs no read: marked due at once, as the change arrives (§5.2).
    if (change.kind !== 'mailboxes' && change.kind !== 'external' && change.mailbox === this.session.selected?.info.id) {
      if (!this.overflowed && this.request.selected?.events.has(EVENT_OF[change.kind])) this.selectedDue = true;
      return Promise.resolve();
    }
    const noted = this.noting.then(() => this.apply(change, own));
    // The caller hears of a failure; the next note still runs.
    this.noting = noted.catch(() => undefined);
    return noted;
  }

  private async apply(change: MailboxChange, own: boolean): Promise<void> {
    if (this.overflowed) return;
    switch (change.kind) {
      case 'append':
      case 'expunge':
      case 'flags':
        await this.noteMessages(change.mailbox, EVENT_OF[change.kind], own);
        break;
      case 'mailboxes':
        if (this.concerns(change.account)) await this.noteNames(own);
        break;
      case 'external':
        // Another process wrote the database: names are compared anew; which mailboxes got
        // messages is not known, so only the selected one (fully re-read) is announced.
        await this.noteNames(false);
        if (this.session.selected && this.request.selected) this.selectedDue = true;
        break;
    }
    if (this.pendingLines.length + this.pendingStatus.size > MAX_PENDING) {
      this.overflowed = true;
      this.pendingLines.length = 0;
      this.pendingStatus.clear();
    }
  }

  /** Whether the selected mailbox has changes of a kind the client wants pushed; clears the mark. */
  takeSelectedDue(): boolean {
    const due = this.selectedDue;
    this.selectedDue = false;
    return due;
  }

  get hasPending(): boolean {
    return this.overflowed || this.selectedDue || this.pendingLines.length > 0 || this.pendingStatus.size > 0;
  }

  /** The notifications to send now (LIST first, then STATUS with the values of now); forgets them. */
  async drain(): Promise<UntaggedLine[]> {
    await this.noting;
    const lines = this.pendingLines.splice(0);
    for (const id of this.pendingStatus) {
      if (id === this.session.selected?.info.id) continue;
      const line = await this.statusLine(id);
      if (line) lines.push(line);
    }
    this.pendingStatus.clear();
    return lines;
  }

  private async noteMessages(id: MailboxId, event: MessageEvent, own: boolean): Promise<void> {
    if (id === this.session.selected?.info.id) {
      if (this.request.selected?.events.has(event)) this.selectedDue = true;
      return;
    }
    if (own) return;
    const mailbox = await this.session.ctx.store.getMailboxById(id);
    const watched = mailbox && this.visible(mailbox);
    if (watched && this.coveredFor(watched, event) && rightsOn(this.session, mailbox.account).includes('r')) this.pendingStatus.add(id);
  }

  /** §5.4 MailboxName and §5.5 SubscriptionChange: what changed since the last look. */
  private async noteNames(own: boolean): Promise<void> {
    const before = this.mailboxes;
    const subscribedBefore = this.subscriptions;
    this.mailboxes = await readMailboxes(this.session);
    this.subscriptions = await readSubscriptions(this.session);
    if (own) return;
    for (const [id, now] of this.mailboxes) {
      const was = before.get(id);
      if (!was) {
        if (this.coveredFor(now, 'MailboxName')) this.pendingLines.push(this.listLine([], now.wire));
      } else if (was.wire !== now.wire && (this.coveredFor(now, 'MailboxName') || this.coveredFor(was, 'MailboxName'))) {
        // §5.4: the new name with the old one as OLDNAME (RFC 5258 extended data).
        this.pendingLines.push(this.listLine([], now.wire, [atom('OLDNAME'), [this.session.wireName(was.wire)]]));
      }
    }
    for (const [id, was] of before) {
      if (!this.mailboxes.has(id) && this.coveredFor(was, 'MailboxName')) this.pendingLines.push(this.listLine([atom('\\NonExistent')], was.wire));
    }
    for (const name of new Set([...subscribedBefore, ...this.subscriptions])) {
      const subscribed = this.subscriptions.has(name);
      if (subscribed === subscribedBefore.has(name) || !this.coveredFor(this.byWireName(name), 'SubscriptionChange')) continue;
      this.pendingLines.push(this.listLine(subscribed ? [atom('\\Subscribed')] : [], name));
    }
  }

  /** `* LIST (attributes) "/" name`, with RFC 5258 extended data when given. */
  private listLine(attributes: ImapValue[], wire: string, extended?: ImapValue): UntaggedLine {
    const line: UntaggedLine = ['LIST', attributes, MAILBOX_DELIMITER, this.session.wireName(wire)];
    if (extended !== undefined) line.push(extended);
    return line;
  }

  /** §5.2: MESSAGES, UIDNEXT, UIDVALIDITY and UNSEEN; HIGHESTMODSEQ once CONDSTORE is on (RFC 7162). */
  private async statusLine(id: MailboxId): Promise<UntaggedLine | null> {
    const mailbox = await this.session.ctx.store.getMailboxById(id);
    if (!mailbox || !this.visible(mailbox) || !rightsOn(this.session, mailbox.account).includes('r')) return null;
    const items: StatusItem[] = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'];
    if (this.session.condstore) items.push('HIGHESTMODSEQ');
    return ['STATUS', this.session.wireName(wireNameOf(this.session, mailbox)), await statusValues(this.session.ctx.store, mailbox, items)];
  }

  /** The mailbox under the name this session knows it by, or null when the session may not know it (namespaces.ts). */
  private visible(mailbox: MailboxInfo): WatchedMailbox | null {
    const wire = wireNameOf(this.session, mailbox);
    const location = locate(this.session, wire);
    if (!location || location.owner !== mailbox.account) return null;
    return { account: mailbox.account, name: mailbox.name, wire };
  }

  private coveredFor(mailbox: WatchedMailbox, event: NotifyEvent): boolean {
    const scope: FilterScope = { personal: this.personal, subscriptions: this.subscriptions };
    return this.request.groups.some((group) => group.events.has(event) && filterCovers(group.filter, mailbox, scope));
  }

  /** A subscribed name, which may name no mailbox (RFC 3501 §6.3.6). */
  private byWireName(wire: string): WatchedMailbox {
    for (const mailbox of this.mailboxes.values()) if (mailbox.wire === wire) return mailbox;
    return { account: this.personal, name: wire, wire };
  }

  /** A change to `account`'s mailboxes may change what this session can LIST. */
  private concerns(account: AccountId): boolean {
    if (account === this.personal) return true;
    return sharedPrefix(this.session) !== null && rightsOn(this.session, account).includes('l');
  }

  private get personal(): AccountId {
    return this.session.identity!.account;
  }
}

async function readMailboxes(session: NotifySession): Promise<Map<MailboxId, WatchedMailbox>> {
  const map = new Map<MailboxId, WatchedMailbox>();
  for (const [wire, mailbox] of await visibleMailboxes(session)) map.set(mailbox.id, { account: mailbox.account, name: mailbox.name, wire });
  return map;
}

/** The subscriptions of the logged-in person's own account. */
async function readSubscriptions(session: NotifySession): Promise<Set<string>> {
  return new Set(await session.ctx.store.listSubscriptions(session.identity!.account));
}
