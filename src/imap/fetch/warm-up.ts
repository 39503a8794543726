/**
 * Runs the FETCH path once the listeners are up, before a client needs it: the first full sync
 * after a restart otherwise pays for V8 compiling the response code (respond.ts writeBatch,
 * messageItems, itemValue) and for the young generation growing to its working size, which
 * costs it more than twice a warm sync with every encoding already in memory (docs/architecture.md
 * "IMAP", the first sync after a restart). V8 flags do not help; running the same code over real
 * rows does.
 *
 * - The real code: writeFetchResponses over the newest WARM_MESSAGES rows of the largest mailbox
 *   (store.largestMailbox), asked for what clients send to sync
 *   (`UID FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)`), ROUNDS times, written into a
 *   sink that discards everything. No session, no login, no socket: nothing a client can see.
 * - Changes nothing: the mailbox is looked at read-only, no \Recent is claimed (none is tracked),
 *   nothing sets \Seen (no body is fetched, markSeen is off). An ENVELOPE/BODYSTRUCTURE not yet in
 *   memory is encoded and kept, as any FETCH keeps it (meta-cache.ts); started after the preload,
 *   the warm-up mostly finds them there.
 * - Bounded: at most WARM_MESSAGES × ROUNDS messages, a turn of the event loop between batches of
 *   100 (respond.ts), so a client's command waits no longer than behind another client's FETCH;
 *   `stop()` ends it within a batch (shutdown).
 */
import { Writable } from 'node:stream';
import type { MailStore } from '../../store/index.js';
import { ArgReader } from '../parser.js';
import { ResponseWriter } from '../responses.js';
import { SelectedMailbox } from '../selected.js';
import { parseFetchAttList } from './items.js';
import { writeFetchResponses } from './respond.js';

/** Messages per round: a first full FETCH after some 4,000 others runs within 1.1–1.4× of a warm one (bench/imap.ts). */
const WARM_MESSAGES = 2000;
const ROUNDS = 2;
/** The items of a client's sync FETCH (Thunderbird, Apple Mail, imapflow ask for these). */
const SYNC_ITEMS = '(UID FLAGS ENVELOPE BODYSTRUCTURE RFC822.SIZE)';

export interface FetchWarmUp {
  /** Resolves with what was run: null when no mailbox holds a message, or it was stopped first. */
  readonly done: Promise<{ readonly messages: number; readonly rounds: number } | null>;
  /** Ends the warm-up within a batch. */
  stop(): void;
}

export function warmFetchPath(store: MailStore): FetchWarmUp {
  // Discards what FETCH writes; destroyed, it stops the FETCH as a departed client would (output.ts).
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  const done = (async () => {
    const mailbox = await store.largestMailbox();
    if (mailbox === null || sink.destroyed) return null;
    const rows = (await store.listMessages(mailbox.id)).slice(-WARM_MESSAGES);
    // Read-only, no \Recent (RFC 9051 Appendix E style): the warm-up holds no claim on the mailbox.
    const selected = new SelectedMailbox(mailbox, true, rows, [], false);
    const request = parseFetchAttList(new ArgReader(Buffer.from(SYNC_ITEMS), { utf8: false }));
    const target = { store, selected, out: new ResponseWriter(sink), condstore: false, markSeen: false, uidCommand: true, abort: () => sink.destroy() };
    const seqs = Array.from({ length: rows.length }, (_, i) => i + 1);
    let rounds = 0;
    while (rounds < ROUNDS && !sink.destroyed) {
      if ((await writeFetchResponses(target, seqs, request)).abandoned) break;
      rounds++;
    }
    return rounds === 0 ? null : { messages: rows.length, rounds };
  })();
  return { done, stop: () => sink.destroy() };
}
