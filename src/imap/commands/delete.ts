import { auditDelegate } from '../delegate-audit.js';
import { fromStoreError, refuse } from '../errors.js';
import { findMailbox, removalTarget } from '../mailboxes.js';
import { hasVisibleChildren } from '../namespaces.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 3501 §6.3.4 / RFC 9051 §6.3.5: INBOX cannot be deleted. A mailbox with inferiors loses its
 * messages and becomes a \Noselect name above them (the store keeps no row for it); deleting such
 * a \Noselect name while the inferiors exist is `NO [HASCHILDREN]`.
 */
export const deleteMailbox: CommandHandler = async (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.end();
  if (name === 'INBOX') throw refuse('CANNOT', 'INBOX cannot be deleted');
  if (!await findMailbox(session, name) && await hasVisibleChildren(session, name)) {
    throw refuse('HASCHILDREN', `Name "${name}" is \\Noselect and has inferior hierarchical names`);
  }
  const { location, mailbox } = await removalTarget(session, name, 'delete');
  if (session.selected?.info.id === mailbox.id) session.deselect();
  try {
    await session.ctx.store.deleteMailbox(location.owner, location.name);
  } catch (err) {
    throw fromStoreError(err);
  }
  await auditDelegate(session, mailbox, 'delete-mailbox');
  return { text: 'DELETE completed' };
};
