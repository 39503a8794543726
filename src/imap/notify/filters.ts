/**
 * RFC 5465 §6: which mailboxes a filter covers. Names are wire names before modified UTF-7
 * (`Shared/sotttt/INBOX` for a unit's folder, namespaces.ts), as the client wrote them in SUBTREE
 * and MAILBOXES.
 */
import { MAILBOX_DELIMITER, type AccountId } from '../../store/index.js';
import type { MailboxFilter } from './request.js';

/** A mailbox as a filter sees it: its owner, its name in the owner's store, its wire name. */
export interface WatchedMailbox {
  readonly account: AccountId;
  readonly name: string;
  readonly wire: string;
}

export interface FilterScope {
  /** The session's personal namespace: the person's account, or the unit's after `unit*person`. */
  readonly personal: AccountId;
  /** The session's subscriptions (RFC 3501 §6.3.6), by wire name. */
  readonly subscriptions: ReadonlySet<string>;
}

export function filterCovers(filter: MailboxFilter, mailbox: WatchedMailbox, scope: FilterScope): boolean {
  switch (filter.kind) {
    // §6.3: the personal mailboxes mail is delivered to; here INBOX (Junk holds what the filters
    // set aside, which nobody wants to be alerted to).
    case 'inboxes':
      return mailbox.account === scope.personal && mailbox.name === 'INBOX';
    // §6.2: every mailbox of the personal namespace.
    case 'personal':
      return mailbox.account === scope.personal;
    // §6.4: the subscription list as it is now, re-read on every change to it.
    case 'subscribed':
      return scope.subscriptions.has(mailbox.wire);
    // §6.5: the named mailboxes and all their inferiors.
    case 'subtree':
      return filter.names.some((name) => mailbox.wire === name || mailbox.wire.startsWith(name + MAILBOX_DELIMITER));
    // §6.6: exactly the named mailboxes, no wildcard expansion.
    case 'mailboxes':
      return filter.names.includes(mailbox.wire);
  }
}
