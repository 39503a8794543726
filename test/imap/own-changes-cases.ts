import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isOwnChange, ReaderView } from '../../src/imap/seen-view.js';
import type { MailboxChange, MailStore } from '../../src/store/index.js';
import { annv, message } from '../store/helpers.js';

/** A store to test on, and how to close it. */
export interface OpenedStore {
  readonly store: MailStore;
  cleanup(): Promise<void>;
}

/**
 * RFC 5465 §5: a NOTIFY session is not told of what its own commands did, and is told of
 * everything else. The session's view of the store (ReaderView) knows which changes are its own:
 * those the store emits while one of the view's calls runs (SQLite, synchronously) or in its
 * asynchronous continuation (PostgreSQL, after the COMMIT is awaited). A change another session
 * makes while this one is in the middle of a command (awaiting the store) is not its own.
 */
export function describeOwnChanges(backend: string, open: () => Promise<OpenedStore>): void {
  let opened: OpenedStore;
  beforeEach(async () => {
    opened = await open();
  });
  afterEach(() => opened.cleanup());

  /** Two sessions' views of one store, and for each change the store emits: whose own it was. */
  function twoViews(): { readonly a: MailStore; readonly b: MailStore; readonly seen: Array<{ change: MailboxChange; ownOfA: boolean; ownOfB: boolean }> } {
    const a = new ReaderView(opened.store, async () => null);
    const b = new ReaderView(opened.store, async () => null);
    const seen: Array<{ change: MailboxChange; ownOfA: boolean; ownOfB: boolean }> = [];
    opened.store.events.on('change', (change) => seen.push({ change, ownOfA: isOwnChange(a), ownOfB: isOwnChange(b) }));
    return { a, b, seen };
  }

  describe(`a session's own store changes (${backend})`, () => {
    test('an APPEND, a flag change and a new folder through a view are that view’s own, not the other’s', async () => {
      await opened.store.ensureAccount(annv);
      const { a, seen } = twoViews();
      const inbox = (await a.getMailbox(annv, 'INBOX'))!;
      const [appended] = await a.appendMessages(inbox.id, [{ raw: message({ subject: 'của A' }) }]);
      await a.storeFlags(inbox.id, [appended!.uid], 'add', ['\\Flagged']);
      await a.createMailbox(annv, 'Lưu trữ');
      expect(seen.map((s) => s.change.kind)).toEqual(['append', 'flags', 'mailboxes']);
      expect(seen.every((s) => s.ownOfA && !s.ownOfB)).toBe(true);
    });

    test("a change made while a session awaits in the middle of its own command is the other session's", async () => {
      await opened.store.ensureAccount(annv);
      const { a, b, seen } = twoViews();
      const inbox = (await a.getMailbox(annv, 'INBOX'))!;
      // A's command is under way (its read is awaited) when B appends and a delivery arrives.
      const reading = a.listMessages(inbox.id);
      await b.appendMessages(inbox.id, [{ raw: message({ subject: 'của B' }) }]);
      await opened.store.deliver([{ account: annv, folder: 'INBOX' }], message({ subject: 'thư đến' }));
      await reading;
      expect(seen.map((s) => [s.change.kind, s.ownOfA, s.ownOfB])).toEqual([
        ['append', false, true],
        ['append', false, false],
      ]);
    });

    test('changes of two sessions running at the same time are each their own', async () => {
      await opened.store.ensureAccount(annv);
      const { a, b, seen } = twoViews();
      const inbox = (await a.getMailbox(annv, 'INBOX'))!;
      await Promise.all([
        a.appendMessages(inbox.id, [{ raw: message({ subject: 'của A' }) }]),
        b.appendMessages(inbox.id, [{ raw: message({ subject: 'của B' }) }]),
        opened.store.deliver([{ account: annv, folder: 'INBOX' }], message({ subject: 'thư đến' })),
      ]);
      const owners = seen.map((s) => (s.ownOfA ? 'A' : '') + (s.ownOfB ? 'B' : '')).sort();
      expect(owners).toEqual(['', 'A', 'B']);
    });
  });
}
