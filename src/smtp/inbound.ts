import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { ScannedBytes, Verdict } from '../filters/index.js';
import { ANALYZE_MESSAGE, withPrefixFields, type MessageAnalysis } from '../mime/index.js';
import { withBanner } from './banner.js';
import { clientName, senderPolicyAnswers } from './client-lookups.js';
import { fieldsOnTop, fieldsOnTopOfFile, prependFields } from './headers.js';
import { INSPECT_INBOUND, type Inspection } from './inspection.js';
import { checkLocalSender } from './local-sender.js';
import { INBOUND_COPIES, readMessage, type ReceivedMessage } from './message-reader.js';
import { DIGEST_STORED } from './stored-digest.js';
import { requireQuotaRoom } from './quota.js';
import { receivedHeader } from './trace.js';
import { transactionOf } from './transaction.js';
import { whileWorkerHolds } from './worker-hold.js';
import { deliverWithSieve, recipientAddresses } from './sieve-delivery.js';
import { applyVerdict, verdictFields, verdictRefusal } from './verdict.js';
import { messageSize, type MessageBytes } from '../store/index.js';

/** A tagged or bannered copy: one more than INBOUND_COPIES, the edit's input and output beside the received bytes. */
const TAGGED_EXTRA_COPIES = 1;
/**
 * DATA on the MX: read (smuggling, size and [limits] checks, memory reserved), authenticate
 * (SPF/DKIM/DMARC/ARC), refuse unauthenticated mail in the name of our own domains, filter, run
 * the recipients' Sieve scripts (sieve-delivery.ts) and deliver to every local recipient in one
 * store transaction. Resolves with the 250 text only
 * after the store has committed; throws SmtpReply (or a stream or worker error) otherwise, and
 * nothing is kept. Authentication, the filters' reading and the MIME analysis run in one job on a
 * worker thread (inspection.ts, within `[limits] message_cpu_budget`); the message is analysed
 * once, as it is stored. A message over `[limits] spool_threshold` stays in its spool file: clamd
 * reads it streamed from there, the worker reads it itself, and the store copies it into its blob
 * a piece at a time inside the delivery's transaction; the 250 follows that commit (DESIGN.md
 * "Durability"), after which the spool file is only a leftover, removed by release().
 */
export async function receiveInbound(ctx: AppContext, stream: SMTPServerDataStream, session: SMTPServerSession, wakeQueue: () => void): Promise<string> {
  const received = await readMessage(stream, ctx.config, ctx.memory, ctx.spool, INBOUND_COPIES);
  try {
    return await checkAndDeliver(ctx, received, await received.source(), session, wakeQueue);
  } finally {
    await received.release();
  }
}

async function checkAndDeliver(ctx: AppContext, received: ReceivedMessage, original: ScannedBytes, session: SMTPServerSession, wakeQueue: () => void): Promise<string> {
  // The id the Received field gives the message (trace.ts): logs and the message agree.
  const queueId = `${session.id}.${session.transaction}`;
  const recipients = transactionOf(session).local;
  await requireQuotaRoom(ctx, recipients, received.size);
  // The virus scan starts now and runs while the worker authenticates and reads the message.
  const filtering = ctx.filters.begin(original);
  const hostname = ctx.config.server.hostname;
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const client = { ip: session.remoteAddress, helo: session.hostNameAppearsAs, sender: mailFrom };
  const receivedField = receivedHeader(session, hostname, new Date(), await clientName(session));
  const answers = await senderPolicyAnswers(ctx, mailFrom);
  const inspection = await whileWorkerHolds(ctx, original, () =>
    ctx.workers.run(
      INSPECT_INBOUND,
      { raw: Buffer.isBuffer(original) ? original : { file: original.file }, client, hostname, received: receivedField, rules: filtering.rules.ref },
      queueId,
      received.size,
      { shared: [filtering.rules], answers },
    ),
  );
  // Abandoning the pending check is safe: the virus scan settles on its own and is never rejected.
  checkLocalSender(ctx.directory, inspection.fromAddresses, mailFrom, inspection.auth.proof);
  const verdict = await filtering.finish(
    { facts: inspection.facts },
    {
      direction: 'inbound',
      remoteIp: client.ip,
      helo: client.helo,
      mailFrom,
      recipients: session.envelope.rcptTo.map((r) => r.address),
      authenticatedAs: null,
      auth: inspection.auth.summary,
      queueId,
    },
  );
  const refusal = verdictRefusal(verdict);
  if (refusal) throw refusal;
  const { stored, analysis, sha256 } = await storedCopy(ctx, received, original, inspection, verdict, queueId);
  // Read (and reserved) before the delivery commits: a 452 after it would have the client send again.
  const bounces = transactionOf(session).bounces;
  const bounced = bounces.size > 0 ? await received.bytes() : null;
  const result = await deliverWithSieve(ctx, {
    recipients: recipientAddresses(ctx, session, recipients),
    stored,
    analysis,
    ...(sha256 ? { sha256 } : {}),
    verdict,
    mailFrom,
    queueId,
    wakeQueue,
    refuseAtSmtp: true,
  });
  if (bounced) await forwardSrsBounces(ctx, bounces, bounced, queueId, wakeQueue);
  const blob = result?.blobId ?? null;
  ctx.logger.info({ proto: 'smtp', cid: session.id, queueId, size: received.size, spooled: !Buffer.isBuffer(original), recipients: recipients.size, verdict: verdict.action, blob }, 'message delivered');
  return blob === null ? 'Message accepted for delivery' : `Message accepted for delivery (${blob.slice(0, 12)})`;
}

/**
 * The copy the store keeps: the filter's fields, then the trace fields, on top of the message
 * without its forged results, in one copy of the body; its analysis is the worker's, moved down
 * by the filter's fields (withPrefixFields). Only a subject tag or a first-line banner edits inside
 * the message, and such a copy is analysed again.
 */
async function storedCopy(
  ctx: AppContext,
  received: ReceivedMessage,
  original: ScannedBytes,
  inspection: Inspection,
  verdict: Verdict,
  queueId: string,
): Promise<{ stored: MessageBytes; analysis: MessageAnalysis; sha256?: string }> {
  if (verdict.subjectTag || verdict.banner) {
    // Each edit copies the message, and each step's input and output are held at once; a spooled
    // message is read into memory for it (bytes() reserves its copies).
    const bytes = await received.bytes();
    received.holdCopies(TAGGED_EXTRA_COPIES);
    const tagged = applyVerdict(prependFields(bytes, inspection.traceFields, inspection.forged), verdict);
    const stored = await withBanner(ctx.workers, tagged, verdict.banner, queueId);
    return { stored, analysis: await ctx.workers.run(ANALYZE_MESSAGE, stored, queueId, stored.length) };
  }
  const lines = [...verdictFields(verdict), ...inspection.traceFields];
  const [fields, ...body] = Buffer.isBuffer(original)
    ? fieldsOnTop(original, lines, inspection.forged)
    : fieldsOnTopOfFile(original.file, original.size, lines, inspection.forged);
  const stored: MessageBytes = [fields!, ...body];
  const prefixSize = fields!.length + messageSize(body) - inspection.tracedSize;
  const analysis = withPrefixFields(inspection.analysis, fields!.subarray(0, prefixSize));
  if (Buffer.isBuffer(original)) return { stored, analysis };
  return { stored, analysis, sha256: await ctx.workers.run(DIGEST_STORED, stored, queueId, received.size) };
}

/**
 * Bounces to rewritten senders (srs.ts) go on, as received and with the null sender, to the
 * original senders through the outbound queue, after the same filters as any mail; each is logged.
 */
async function forwardSrsBounces(ctx: AppContext, originals: ReadonlySet<string>, original: Buffer, queueId: string, wakeQueue: () => void): Promise<void> {
  await ctx.queue.enqueue('', [...originals], original, new Date());
  wakeQueue();
  for (const to of originals) ctx.logger.info({ proto: 'smtp', queueId, to }, 'srs: bounce forwarded to the original sender');
}
