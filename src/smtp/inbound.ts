import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { Verdict } from '../filters/index.js';
import { ANALYZE_MESSAGE, withPrefixFields, type MessageAnalysis } from '../mime/index.js';
import { withBanner } from './banner.js';
import { clientName, senderPolicyAnswers } from './client-lookups.js';
import { fieldsOnTop, prependFields } from './headers.js';
import { INSPECT_INBOUND, type Inspection } from './inspection.js';
import { checkLocalSender } from './local-sender.js';
import { INBOUND_COPIES, readMessage, type ReceivedMessage } from './message-reader.js';
import { requireQuotaRoom } from './quota.js';
import { receivedHeader } from './trace.js';
import { transactionOf } from './transaction.js';
import { deliverWithSieve, recipientAddresses } from './sieve-delivery.js';
import { applyVerdict, verdictFields, verdictRefusal } from './verdict.js';
import type { MessageBytes } from '../store/index.js';

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
 * once, as it is stored.
 */
export async function receiveInbound(ctx: AppContext, stream: SMTPServerDataStream, session: SMTPServerSession, wakeQueue: () => void): Promise<string> {
  const received = await readMessage(stream, ctx.config, ctx.memory, ctx.spool, INBOUND_COPIES);
  try {
    return await checkAndDeliver(ctx, received, await received.bytes(), session, wakeQueue);
  } finally {
    await received.release();
  }
}

async function checkAndDeliver(ctx: AppContext, received: ReceivedMessage, original: Buffer, session: SMTPServerSession, wakeQueue: () => void): Promise<string> {
  // The id the Received field gives the message (trace.ts): logs and the message agree.
  const queueId = `${session.id}.${session.transaction}`;
  const recipients = transactionOf(session).local;
  requireQuotaRoom(ctx, recipients, original.length);
  // The virus scan starts now and runs while the worker authenticates and reads the message.
  const filtering = ctx.filters.begin(original);
  const hostname = ctx.config.server.hostname;
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const client = { ip: session.remoteAddress, helo: session.hostNameAppearsAs, sender: mailFrom };
  const receivedField = receivedHeader(session, hostname, new Date(), await clientName(session));
  const inspection = await ctx.workers.run(
    INSPECT_INBOUND,
    { raw: original, client, hostname, received: receivedField, rules: filtering.rules.ref },
    queueId,
    original.length,
    { shared: [filtering.rules], answers: await senderPolicyAnswers(ctx, mailFrom) },
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
  const { stored, analysis } = await storedCopy(ctx, received, original, inspection, verdict, queueId);
  const result = await deliverWithSieve(ctx, {
    recipients: recipientAddresses(ctx, session, recipients),
    stored,
    analysis,
    verdict,
    mailFrom,
    queueId,
    wakeQueue,
    refuseAtSmtp: true,
  });
  forwardSrsBounces(ctx, transactionOf(session).bounces, original, queueId, wakeQueue);
  const blob = result?.blobId ?? null;
  ctx.logger.info({ proto: 'smtp', cid: session.id, queueId, size: original.length, recipients: recipients.size, verdict: verdict.action, blob }, 'message delivered');
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
  original: Buffer,
  inspection: Inspection,
  verdict: Verdict,
  queueId: string,
): Promise<{ stored: MessageBytes; analysis: MessageAnalysis }> {
  if (verdict.subjectTag || verdict.banner) {
    // Each edit copies the message, and each step's input and output are held at once.
    received.holdCopies(TAGGED_EXTRA_COPIES);
    const tagged = applyVerdict(prependFields(original, inspection.traceFields, inspection.forged), verdict);
    const stored = await withBanner(ctx.workers, tagged, verdict.banner, queueId);
    return { stored, analysis: await ctx.workers.run(ANALYZE_MESSAGE, stored, queueId, stored.length) };
  }
  const [fields, ...body] = fieldsOnTop(original, [...verdictFields(verdict), ...inspection.traceFields], inspection.forged);
  const prefixSize = fields!.length + body.reduce((sum, piece) => sum + piece.length, 0) - inspection.tracedSize;
  return { stored: [fields!, ...body], analysis: withPrefixFields(inspection.analysis, fields!.subarray(0, prefixSize)) };
}

/**
 * Bounces to rewritten senders (srs.ts) go on, as received and with the null sender, to the
 * original senders through the outbound queue, after the same filters as any mail; each is logged.
 */
function forwardSrsBounces(ctx: AppContext, originals: ReadonlySet<string>, original: Buffer, queueId: string, wakeQueue: () => void): void {
  if (originals.size === 0) return;
  ctx.queue.enqueue('', [...originals], original, new Date());
  wakeQueue();
  for (const to of originals) ctx.logger.info({ proto: 'smtp', queueId, to }, 'srs: bounce forwarded to the original sender');
}
