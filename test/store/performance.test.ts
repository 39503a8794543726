/**
 * SQLite-specific: the speed of listing a large mailbox on this backend. Not part of the contract
 * suite, which holds every backend to behaviour, not speed.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { asUid } from '../../src/store/types.js';
import { annv, message, openTestStore, type TestStore } from './helpers.js';

let t: TestStore;
beforeEach(() => {
  t = openTestStore();
});
afterEach(async () => {
  await t.cleanup();
});

it('lists a mailbox of 10,000 messages with their flags in one call (what every IMAP SELECT and sync does)', async () => {
  const batch = 500;
  for (let start = 0; start < 10_000; start += batch) {
    await Promise.all(
      Array.from({ length: batch }, async (_, i) => t.store.deliver([{ account: annv, folder: 'INBOX' }], message({ id: `p${start + i}` }))),
    );
  }
  const inbox = (await t.store.getMailbox(annv, 'INBOX'))!;
  await t.store.storeFlags(inbox.id, Array.from({ length: 5000 }, (_, i) => asUid(2 * i + 1)), 'add', ['\\Seen', '$Done']);
  await t.store.listMessages(inbox.id);
  const started = performance.now();
  const rows = await t.store.listMessages(inbox.id);
  const elapsed = performance.now() - started;
  expect(rows).toHaveLength(10_000);
  expect(rows[0]!.flags).toEqual(['\\Seen', '$Done']);
  expect(rows[1]!.flags).toEqual([]);
  // A figure, not a bound (timings belong to the benches): about 10–20 ms on a quiet machine.
  console.log(`listMessages of 10,000 rows: ${elapsed.toFixed(1)} ms`);
});
