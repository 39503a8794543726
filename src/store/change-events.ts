import type { AccountId, MailboxChange, MailboxId, ModSeq, Uid } from './types.js';

/** A message row a write added, as the 'append' change that announces it needs it. */
export interface Appended {
  readonly account: AccountId;
  readonly mailbox: MailboxId;
  readonly uid: Uid;
  readonly modSeq: ModSeq;
}

/** One 'append' event per mailbox, with its UIDs ascending and the highest MODSEQ (every backend emits the same). */
export function appendChanges(appended: readonly Appended[]): MailboxChange[] {
  const byMailbox = new Map<MailboxId, { account: AccountId; uids: Uid[]; modSeq: ModSeq }>();
  for (const { account, mailbox, uid, modSeq } of appended) {
    const entry = byMailbox.get(mailbox);
    if (entry === undefined) {
      byMailbox.set(mailbox, { account, uids: [uid], modSeq });
    } else {
      entry.uids.push(uid);
      if (modSeq > entry.modSeq) entry.modSeq = modSeq;
    }
  }
  return [...byMailbox].map(([mailbox, entry]) => ({ kind: 'append', mailbox, ...entry }));
}
