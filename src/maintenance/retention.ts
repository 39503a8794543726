import type { Directory, ReleaseOutcome } from '../directory/index.js';
import type { AccountId, MailStore } from '../store/index.js';

/**
 * The retention job (DESIGN.md "Data", lifecycle; docs/architecture.md "Retention and
 * migration"), daily in the server and on demand with `cantho-mail maintenance run`. In this order, each step safe to repeat after a crash:
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

/** What retention asks of the directory: its entry's methods only, never its database. */
export type RetentionDirectory = Pick<Directory, 'retentionDue' | 'releaseRetiredAddress' | 'audit'>;

export async function runRetention(
  directory: RetentionDirectory,
  store: Pick<MailStore, 'purgeAccount' | 'purgeUnreferencedBlobs' | 'listMailboxes'>,
  actor: string,
): Promise<RetentionReport> {
  const { cutoff, retiredDays, persons } = directory.retentionDue();
  const purged = [];
  for (const person of persons) {
    // The purge and its audit row commit together (the store's inTransaction hook).
    const messagesPurged = await store.purgeAccount(person.address, {
      inTransaction: (messages) =>
        directory.audit({ actor, action: 'mailbox.purge', subject: person.address, detail: { messages, retiredAt: person.retiredAt, retiredDays } }),
    });
    purged.push({ ...person, messagesPurged });
  }
  const blobsPurged = await store.purgeUnreferencedBlobs();
  const accounts = [];
  for (const person of purged) {
    const release = (await store.listMailboxes(person.address)).length > 0 ? ('data-remains' as const) : directory.releaseRetiredAddress(person.address, actor);
    accounts.push({ ...person, release });
  }
  return {
    cutoff: cutoff.toISOString(),
    accounts,
    messagesPurged: purged.reduce((sum, p) => sum + p.messagesPurged, 0),
    blobsPurged,
    addressesReleased: accounts.filter((a) => a.release === 'released').length,
  };
}
