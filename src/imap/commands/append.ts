import { checkMessageShape, checkSpooledShape, describeViolation, shapeLimitsOf, type MemoryReservation, type ShapeViolation } from '../../limits/index.js';
import { ANALYZE_MESSAGE_FILE, type AnalysedFile } from '../../mime/index.js';
import type { AppendMessage, MailboxInfo } from '../../store/index.js';
import { appendLimit } from '../capabilities.js';
import { buildCatenation, planCatenation, type CatenatePart, type CatenationPlan } from '../catenate.js';
import { WorkBudgetExceeded, WorkQueueFull } from '../../workers/index.js';
import { auditDelegate } from '../delegate-audit.js';
import { refuse } from '../errors.js';
import { findMailbox, requireRight } from '../mailboxes.js';
import type { AppendData, ArgReader } from '../parser.js';
import { formatSequenceSet } from '../sequence-set.js';
import type { Session } from '../session.js';
import type { CommandHandler, Completion } from './handler.js';
import { requireQuotaRoom } from './quota.js';

/**
 * RFC 3501 §6.3.11 APPEND, with RFC 3502 MULTIAPPEND and RFC 4315 APPENDUID:
 *
 *   append         = "APPEND" SP mailbox 1*append-message      (RFC 3502 §6)
 *   append-message = SP [flag-list SP] [date-time SP] literal
 *
 * and, once UTF8=ACCEPT is enabled, RFC 6855 §4 `UTF8 (literal8)` in place of the literal; RFC 4469
 * `CATENATE (TEXT literal / URL url …)` builds the message from literals and parts of stored
 * messages (catenate.ts). A catenated message is planned first (`NO [BADURL …]` before anything is
 * read), must fit APPENDLIMIT (RFC 4469 §5 `NO [TOOBIG]`), and is built in memory reserved for it
 * (`[limits] memory_ceiling`, `NO [INUSE]` past it); then it is checked like any other.
 * MULTIAPPEND is all or none (RFC 3502 §3): every message is checked before any is stored, and
 * they are stored in one transaction; APPENDUID then names the new UIDs as a uid-set (RFC 4315 §3).
 *
 * A literal over APPENDLIMIT never gets here: the reader refuses it before it is sent (RFC 7889).
 * A message past `[limits] spool_threshold` arrives in a spool file (parser.ts); its checks read
 * the file a piece at a time, its MIME analysis reads it on a worker thread (src/workers), which
 * reserves its octets for that while (`[limits] memory_ceiling`, RFC 5530 `NO [INUSE]` past it),
 * and the store writes it from the file a chunk at a time: it is never whole on the main thread.
 * A missing mailbox is `NO [TRYCREATE]` (§6.3.11); over the quota `NO [OVERQUOTA]` (RFC 9208
 * §5.1). The message passes the same `[limits]` as SMTP DATA (header bytes and lines, one field's
 * bytes, MIME parts; DESIGN.md "Config") before anything parses it: past one, RFC 9051 §6.3.12
 * "NO" (the message was not appended) with RFC 5530 §3 `[LIMIT]`, an implementation limit the
 * client cannot get round by retrying.
 */
export const append: CommandHandler = async (session, { args, tag }) => {
  args.space();
  const name = args.mailbox();
  const requested = readMessages(args, session.utf8);

  const mailbox = await findMailbox(session, name);
  if (!mailbox) throw refuse('TRYCREATE', 'No such mailbox');
  requireRight(session, 'i', 'append messages', mailbox);
  const { messages, built } = await catenated(session, requested);
  try {
    return await appendMessages(session, tag, mailbox, messages);
  } finally {
    built?.release();
  }
};

async function appendMessages(session: Session, tag: string, mailbox: MailboxInfo, messages: readonly ParsedMessage[]): Promise<Completion> {
  const limits = shapeLimitsOf(session.ctx.config.limits);
  for (const [index, message] of messages.entries()) {
    const which = messages.length > 1 ? `Message ${index + 1}: ` : '';
    if (message.data.size === 0) throw refuse('CANNOT', `${which}An empty message cannot be stored`);
    const violation: ShapeViolation | null = message.data.file
      ? await checkSpooledShape(message.data.file, limits)
      : checkMessageShape(message.data.bytes, limits);
    if (violation !== null) throw refuse('LIMIT', `${which}${describeViolation(violation)}`);
  }
  await requireQuotaRoom(session, mailbox, messages.reduce((sum, message) => sum + message.data.size, 0));

  const stored: AppendMessage[] = [];
  for (const message of messages) stored.push(await storable(session, message, `${session.cid}.${tag}`));
  const results = await session.ctx.store.appendMessages(mailbox.id, stored);
  const uids = results.map((result) => result.uid);
  await auditDelegate(session, mailbox, 'append', { uids });
  return { code: `APPENDUID ${results[0]!.uidValidity} ${formatSequenceSet(uids)}`, text: 'APPEND completed' };
}

interface ParsedMessage<Data = AppendData> {
  readonly flags: string[];
  readonly internalDate: Date | undefined;
  readonly data: Data;
}

type RequestedMessage = ParsedMessage<AppendData | readonly CatenatePart[]>;

/**
 * The messages with every CATENATE built (RFC 4469 §5: all URLs resolved and sizes checked before
 * any is read), and the memory reserved for the built ones, to release once they are stored.
 */
async function catenated(session: Session, requested: readonly RequestedMessage[]): Promise<{ messages: ParsedMessage[]; built: MemoryReservation | null }> {
  const plans: Array<CatenationPlan | null> = [];
  for (const message of requested) plans.push(Array.isArray(message.data) ? await planCatenation(session, message.data) : null);
  const limit = appendLimit(session.ctx.config);
  for (const plan of plans) if (plan && plan.size > limit) throw refuse('TOOBIG', `The catenated message would be ${plan.size} octets, over APPENDLIMIT ${limit}`);
  if (plans.every((plan) => plan === null)) return { messages: requested as ParsedMessage[], built: null };
  const octets = plans.reduce((sum, plan) => sum + (plan?.size ?? 0), 0);
  const built = session.ctx.memory.reserve(octets);
  if (built === null) throw refuse('INUSE', 'The server is receiving too many messages at once; try again shortly');
  try {
    const messages: ParsedMessage[] = [];
    for (const [index, message] of requested.entries()) {
      const plan = plans[index];
      if (!plan) messages.push(message as ParsedMessage);
      else messages.push({ ...message, data: { size: plan.size, bytes: await buildCatenation(session, plan) } });
    }
    return { messages, built };
  } catch (err) {
    built.release();
    throw err;
  }
}

/** RFC 3502 §6: one or more `SP [flag-list SP] [date-time SP] literal`, to the end of the command. */
function readMessages(args: ArgReader, utf8: boolean): RequestedMessage[] {
  const messages: RequestedMessage[] = [];
  do {
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
    messages.push({ flags, internalDate, data: readData(args, utf8) });
  } while (!args.atEnd());
  return messages;
}

function readData(args: ArgReader, utf8: boolean): AppendData | CatenatePart[] {
  if (args.take('CATENATE ')) return readCatenateParts(args);
  if (utf8 && args.take('UTF8 (')) {
    const data = args.appendData();
    args.expect(')');
    return data;
  }
  if (args.peek() !== 0x7b && args.peek() !== 0x7e) throw args.error('the message must be a literal');
  return args.appendData();
}

/** RFC 4469 §5: cat-part = "TEXT" SP literal / "URL" SP astring, in a non-empty list. */
function readCatenateParts(args: ArgReader): CatenatePart[] {
  return args.list((): CatenatePart => {
    const kind = args.keyword();
    args.space();
    if (kind === 'TEXT') {
      if (args.peek() !== 0x7b && args.peek() !== 0x7e) throw args.error('a CATENATE TEXT part must be a literal');
      return { kind: 'text', data: args.appendData() };
    }
    if (kind === 'URL') return { kind: 'url', url: args.astringText() };
    throw args.error(`unknown CATENATE part ${kind.slice(0, 20)}`);
  }, false);
}

/**
 * The message as the store takes it. A spooled one stays in its file: the worker analysing it reads
 * the file itself and hashes it too, and the store writes it from there a piece at a time (src/store
 * FileRange), so the message is whole in memory only inside that worker.
 */
async function storable(session: Session, message: ParsedMessage, label: string): Promise<AppendMessage> {
  const options = { flags: message.flags, ...(message.internalDate ? { internalDate: message.internalDate } : {}) };
  const { data } = message;
  if (!data.file) return { raw: data.bytes, ...options };
  const raw = [{ file: data.file.path, start: 0, end: data.size }];
  return { raw, ...options, ...(await analysed(session, data.file.path, data.size, label)) };
}

/** The worker's copy is the one this message holds in memory: reserved for as long as it lives. */
async function analysed(session: Session, file: string, size: number, label: string): Promise<AnalysedFile> {
  const reservation = session.ctx.memory.reserve(size);
  // RFC 5530 §3 INUSE: a temporary refusal, worth retrying; DESIGN.md "Config" [limits] memory_ceiling.
  if (reservation === null) throw refuse('INUSE', 'The server is receiving too many messages at once; try again shortly');
  try {
    return await session.ctx.workers.run(ANALYZE_MESSAGE_FILE, file, label, size);
  } catch (err) {
    // The same limits as SMTP DATA's analysis (docs/architecture.md invariant 2): over the CPU
    // budget is a limit of this message; a full queue is a moment's congestion.
    if (err instanceof WorkBudgetExceeded) throw refuse('LIMIT', 'The message is too costly to analyse');
    if (err instanceof WorkQueueFull) throw refuse('INUSE', 'The server is busy analysing messages; try again shortly');
    throw err;
  } finally {
    reservation.release();
  }
}
