/**
 * The store's contract as tests (docs/architecture.md "Store"): what every MailStore backend must
 * keep, run against a backend by its own test file (test/store/sqlite-contract.test.ts for SQLite);
 * beside it the Sieve scripts' contract (sieve.ts), run by the same files.
 * Backend-specific behaviour (crash recovery, group commit, storage layout, indexing, schema,
 * speed) is tested beside the backend, not here.
 */
import { describe } from 'vitest';
import type { OpenBackend } from './backend.js';
import { describeBodyContract } from './bodies.js';
import { describeDeliveryContract } from './deliveries.js';
import { describeMailboxContract } from './mailboxes.js';
import { describeMessageContract } from './messages.js';
import { describeSearchContract } from './search.js';

export type { OpenBackend, StoreBackend } from './backend.js';
export { describeBlobStoreContract, type BlobBackend } from './blobs.js';
export { changeEvents, describeSieveStoreContract, type SieveBackend } from './sieve.js';

export function describeMailStoreContract(name: string, open: OpenBackend): void {
  // Each part in a describe of its own: a part's beforeEach opens its store, and at this level it
  // would open one for every test of every part.
  describe(`MailStore contract: ${name}`, () => {
    describe('mailboxes', () => describeMailboxContract(open));
    describe('messages', () => describeMessageContract(open));
    describe('deliveries', () => describeDeliveryContract(open));
    describe('bodies', () => describeBodyContract(open));
    describe('search', () => describeSearchContract(open));
  });
}
