import { MAILBOX_DELIMITER } from '../../store/index.js';
import { encodeMutf7 } from '../mutf7.js';
import { sharedPrefix } from '../namespaces.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 2342: personal mailboxes at the root, no other users' namespace, and the shared namespace
 * of unit mailboxes (docs/architecture.md "Unit mailboxes") when the person may see any.
 */
export const namespace: CommandHandler = (session, { args }) => {
  args.end();
  // RFC 2342 §5: a namespace prefix is a string (never an atom), in modified UTF-7 unless UTF8=ACCEPT.
  const prefix = sharedPrefix(session);
  const units = prefix === null ? [] : session.ctx.directory.unitAccess(session.identity!.person);
  const shared = prefix !== null && units.length > 0 ? [[session.utf8 ? prefix : encodeMutf7(prefix), MAILBOX_DELIMITER]] : null;
  session.out.untagged('NAMESPACE', [['', MAILBOX_DELIMITER]], null, shared);
  return { text: 'NAMESPACE completed' };
};
