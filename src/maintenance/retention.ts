import type { DirectoryContext } from '../directory/index.js';
import { releaseRetiredAddress, retiredBefore, type ReleaseOutcome } from '../directory/index.js';
import type { MailStore } from '../store/index.js';
import type { AccountId } from '../store/index.js';

/**
 * The retention job (DESIGN.md "Data", lifecycle; docs/architecture.md "Retention and migration"), daily in the server and on demand with
 * `cantho-mail maintenance run`. In this order, each step safe to repeat after a crash:
 * 1. the mail of every person retired more than `retention.retired_days` ago is purged (the
 *    purge and its audit row commit together);
 * 2. bodies no mailbox references any more are removed (theirs, and those left by EXPUNGE);
 * 3. only then, and only if the store holds no mailbox of theirs, the person's record is deleted
 *    and the address freed: the directory keeps an address while data for it exists.
 */

export interface RetentionReport {
  readonly cutoff: string;
  readonly accounts: ReadonlyArray<{ readonly address: AccountId; readonly retiredAt: string; readonly messagesPurged: number; readonly release: ReleaseOutcome | 'data-remains' }>;
  readonly messagesPurged: number;
  readonly blobsPurged: number;
  readonly addressesReleased: number;
}

const DAY_MS = 86_400_000;

export function runRetention(
  ctx: DirectoryContext,
  store: Pick<MailStore, 'purgeAccount' | 'purgeUnreferencedBlobs' | 'listMailboxes'>,
  actor: string,
): RetentionReport {
  const cutoff = new Date(ctx.now().getTime() - ctx.config.retention.retired_days * DAY_MS);
  const due = retiredBefore(ctx, cutoff);
  const purged = due.map((person) => {
    // The store's transaction nests as a savepoint: messages and audit row go together.
    const messagesPurged = ctx.db
      .transaction(() => {
        const count = store.purgeAccount(person.address);
        ctx.auditLog.write({
          actor,
          action: 'mailbox.purge',
          subject: person.address,
          detail: { messages: count, retiredAt: person.retiredAt, retiredDays: ctx.config.retention.retired_days },
        });
        return count;
      })
      .immediate();
    return { ...person, messagesPurged };
  });
  const blobsPurged = store.purgeUnreferencedBlobs();
  const accounts = purged.map((person) => ({
    ...person,
    release: store.listMailboxes(person.address).length > 0 ? ('data-remains' as const) : releaseRetiredAddress(ctx, person.address, actor),
  }));
  return {
    cutoff: cutoff.toISOString(),
    accounts,
    messagesPurged: purged.reduce((sum, p) => sum + p.messagesPurged, 0),
    blobsPurged,
    addressesReleased: accounts.filter((a) => a.release === 'released').length,
  };
}
