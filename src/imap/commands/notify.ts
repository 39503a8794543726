import { ImapError } from '../errors.js';
import { readNotify } from '../notify/request.js';
import { NotifyWatcher } from '../notify/watcher.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 5465 §3.1 NOTIFY SET / NOTIFY NONE. SET replaces what the session was told to watch; with
 * the STATUS indicator every watched mailbox but the selected one gets a STATUS response before
 * the tagged OK. Both imply a NOOP: the selected mailbox's pending changes go out before the OK
 * (the session sends them, as after any command).
 */
export const notify: CommandHandler = async (session, { args }) => {
  // `[imap] hide_capabilities`: a session not offered NOTIFY gets the answer for a command we lack.
  if (session.hidesCapability('NOTIFY')) throw new ImapError('BAD', null, 'Unknown command NOTIFY');
  args.space();
  const request = readNotify(args);
  if (!request) {
    session.watch(null);
    return { text: 'NOTIFY completed' };
  }
  const watcher = await NotifyWatcher.open(session, request);
  if (request.status) for (const line of await watcher.statusNow()) session.out.untagged(...line);
  session.watch(watcher);
  return { text: 'NOTIFY completed' };
};
