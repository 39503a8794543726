/**
 * Bayes learns from what users do with Junk. A message the user moves or copies
 * INTO a \Junk folder (RFC 6154 special use) is learnt as spam; one moved or copied OUT of Junk
 * into any folder but \Trash is learnt as ham (into Trash the user said "delete", not "this is
 * fine"). COPY counts like MOVE, as clients without MOVE (and some that have it) file a message
 * with COPY then STORE \Deleted and EXPUNGE.
 *
 * APPEND into Junk learns nothing, by decision: APPEND is an upload (a sync tool like mbsync
 * pushing a local Junk folder, a migration, a client moving mail between accounts), not a
 * person judging one message, and training on a folder the filter itself filled would only
 * reinforce its own mistakes.
 *
 * Learning never delays or fails the command: the blobs to learn are noted while the command
 * runs (a cheap row lookup), and read, parsed (on the analysis workers, src/workers) and learnt
 * one by one after the current turn of the event loop, when the tagged response has been written. An error is logged and dropped. The
 * bodies stay readable after a MOVE expunged the source: blobs are only deleted by the retention
 * job (MailStore.purgeUnreferencedBlobs).
 */
import type { BayesClass } from '../store/index.js';
import type { BlobId, MailboxInfo, Uid } from '../store/index.js';
import type { Session } from './session.js';

/** What moving a message from `source` to `destination` tells Bayes, or null for nothing. */
export function junkVerdict(source: MailboxInfo, destination: MailboxInfo): BayesClass | null {
  const intoJunk = destination.specialUse === '\\Junk';
  const fromJunk = source.specialUse === '\\Junk';
  if (intoJunk && !fromJunk) return 'spam';
  if (fromJunk && !intoJunk && destination.specialUse !== '\\Trash') return 'ham';
  return null;
}

/**
 * Called by COPY and MOVE with the source UIDs before the store call (MOVE removes the rows):
 * returns a function to call once the command succeeded, which schedules the learning.
 */
export async function prepareJunkLearning(session: Session, source: MailboxInfo, destination: MailboxInfo, uids: readonly Uid[]): Promise<(copied: readonly Uid[]) => void> {
  const kind = junkVerdict(source, destination);
  if (kind === null || uids.length === 0) return () => {};
  const blobs = new Map<Uid, BlobId>((await session.ctx.store.getMessages(source.id, uids)).map((row) => [row.uid, row.blobId]));
  return (copied) => {
    const todo = copied.flatMap((uid) => blobs.get(uid) ?? []);
    if (todo.length === 0) return;
    setImmediate(() => {
      learnAll(session, kind, todo).catch((err: unknown) => session.log.warn({ err }, 'bayes learning from a Junk move failed'));
    });
  };
}

async function learnAll(session: Session, kind: BayesClass, blobs: readonly BlobId[]): Promise<void> {
  const { store, filters } = session.ctx;
  // The person acting: a delegate filing a unit's mail uses their own share (UserLearning).
  const user = session.identity?.person ?? session.account;
  let failed = 0;
  // One at a time: a user filing 5,000 messages must not hold the event loop for all of them.
  for (const blob of blobs) {
    try {
      await filters.learn(kind, await store.readBlob(blob), user);
    } catch (err) {
      failed++;
      session.log.warn({ err, blob }, 'bayes could not learn a message');
    }
  }
  session.log.info({ kind, messages: blobs.length, failed }, 'bayes learnt from a Junk move');
}
