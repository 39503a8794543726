import { MAILBOX_DELIMITER, type SpecialUse } from '../../store/index.js';
import { auditDelegate } from '../delegate-audit.js';
import { fromStoreError, refuse } from '../errors.js';
import { creationTarget } from '../mailboxes.js';
import type { ArgReader } from '../parser.js';
import type { CommandHandler } from './handler.js';

/**
 * RFC 6154 §3 CREATE-SPECIAL-USE: the uses a created mailbox may take. \All and \Flagged
 * describe virtual views (every message, the flagged ones) that a folder of its own would not be.
 */
const CREATABLE_USES: readonly SpecialUse[] = ['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive'];

/**
 * RFC 3501 §6.3.3: a trailing delimiter only declares intent to have children; parents are created
 * too. RFC 6154 §3: `CREATE name (USE (\Sent))` gives it a special use (one, as the store keeps one).
 */
export const create: CommandHandler = async (session, { args }) => {
  args.space();
  let name = args.mailbox();
  const specialUse = args.atEnd() ? null : readUse(args);
  args.end();
  while (name.endsWith(MAILBOX_DELIMITER)) name = name.slice(0, -1);
  if (name === '') throw refuse('CANNOT', 'Mailbox name is empty');
  if (name === 'INBOX') throw refuse('ALREADYEXISTS', 'INBOX always exists');
  const target = creationTarget(session, name);
  try {
    await auditDelegate(session, await session.ctx.store.createMailbox(target.owner, target.name, specialUse), 'create-mailbox');
  } catch (err) {
    throw fromStoreError(err);
  }
  return { text: 'CREATE completed' };
};

/** RFC 4466 create-params with RFC 6154's `USE (attr …)`, the only parameter we know. */
function readUse(args: ArgReader): SpecialUse | null {
  args.space();
  const uses: string[] = [];
  args.list(() => {
    const param = args.keyword();
    if (param !== 'USE') throw args.error(`unknown CREATE parameter ${param.slice(0, 20)}`);
    args.space();
    uses.push(...args.list(() => args.flag()));
  }, false);
  if (uses.length === 0) return null;
  const use = CREATABLE_USES.find((u) => u.toLowerCase() === uses[0]!.toLowerCase());
  if (uses.length > 1 || !use) throw refuse('USEATTR', uses.length > 1 ? 'A mailbox has at most one special use here' : `${uses[0]!.slice(0, 20)} cannot be given to a mailbox`);
  return use;
}
