import type { SMTPServerEnvelope, SMTPServerSession } from 'smtp-server';
import type { AccountId } from '../store/index.js';

/**
 * What RCPT decided for the current mail transaction. Keyed by smtp-server's envelope object,
 * which the library replaces on RSET and after every DATA, so the state ends with the transaction.
 */
export interface Transaction {
  /** Local accounts, deduplicated (an alias and its owner get one copy). */
  readonly local: Set<AccountId>;
  /** Remote recipients (submission only), as normalised addresses. */
  readonly remote: Set<string>;
  /** Original senders of the SRS addresses a bounce was sent to (MX only, srs.ts). */
  readonly bounces: Set<string>;
}

const transactions = new WeakMap<SMTPServerEnvelope, Transaction>();

export function transactionOf(session: SMTPServerSession): Transaction {
  let transaction = transactions.get(session.envelope);
  if (!transaction) {
    transaction = { local: new Set(), remote: new Set(), bounces: new Set() };
    transactions.set(session.envelope, transaction);
  }
  return transaction;
}
