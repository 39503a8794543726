import { checkMessageShape, describeViolation, shapeLimitsOf } from '../../limits/index.js';
import { auditDelegate } from '../delegate-audit.js';
import { refuse } from '../errors.js';
import { findMailbox, requireRight } from '../mailboxes.js';
import type { ArgReader } from '../parser.js';
import type { CommandHandler } from './handler.js';
import { requireQuotaRoom } from './quota.js';

/**
 * RFC 3501 §6.3.11 APPEND with RFC 4315 APPENDUID:
 *
 *   append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
 *
 * and, once UTF8=ACCEPT is enabled, RFC 6855 §4 `UTF8 (literal8)` in place of the literal. A
 * literal over APPENDLIMIT never gets here: the reader refuses it before it is sent (RFC 7889).
 * A missing mailbox is `NO [TRYCREATE]` (§6.3.11); over the quota `NO [OVERQUOTA]` (RFC 9208 §5.1).
 * The message passes the same `[limits]` as SMTP DATA (header bytes and lines, one field's bytes,
 * MIME parts; DESIGN.md "Config") before anything parses it: past one, RFC 9051 §6.3.12 "NO"
 * (the message was not appended) with RFC 5530 §3 `[LIMIT]`, an implementation limit the client
 * cannot get round by retrying.
 */
export const append: CommandHandler = (session, { args }) => {
  args.space();
  const name = args.mailbox();
  args.space();
  let flags: string[] = [];
  if (args.peek() === 0x28) {
    flags = args.flagList();
    args.space();
  }
  let internalDate: Date | undefined;
  if (args.peek() === 0x22) {
    internalDate = args.dateTime();
    args.space();
  }
  const message = readMessage(args, session.utf8);
  args.end();

  const mailbox = findMailbox(session, name);
  if (!mailbox) throw refuse('TRYCREATE', 'No such mailbox');
  requireRight(session, 'i', 'append messages', mailbox);
  if (message.length === 0) throw refuse('CANNOT', 'An empty message cannot be stored');
  const violation = checkMessageShape(message, shapeLimitsOf(session.ctx.config.limits));
  if (violation !== null) throw refuse('LIMIT', describeViolation(violation));
  requireQuotaRoom(session, mailbox, message.length);
  const result = session.ctx.store.append(mailbox.id, message, { flags, ...(internalDate ? { internalDate } : {}) });
  auditDelegate(session, mailbox, 'append', { uids: [result.uid] });
  return { code: `APPENDUID ${result.uidValidity} ${result.uid}`, text: 'APPEND completed' };
};

function readMessage(args: ArgReader, utf8: boolean): Buffer {
  if (utf8 && args.take('UTF8 (')) {
    const data = args.string();
    args.expect(')');
    return data;
  }
  if (args.peek() === 0x22) throw args.error('the message must be a literal');
  return args.string();
}
