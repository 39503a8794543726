import type { MailStore } from '../store/index.js';
import { asAccountId } from '../store/index.js';
import type { ComponentHealth } from './monitor.js';

/** `database`: a read answers (the same read IMAP LIST does); down when it throws. */
export function databaseCheck(store: MailStore, domain: string): () => Promise<ComponentHealth> {
  const postmaster = asAccountId(`postmaster@${domain}`);
  return async () => {
    await store.listMailboxes(postmaster);
    return { status: 'ok', detail: 'reads answer' };
  };
}
