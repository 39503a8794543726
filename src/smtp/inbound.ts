import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import { ANALYZE_MESSAGE } from '../mime/index.js';
import { authenticateInbound } from './authentication.js';
import { withBanner } from './banner.js';
import { clientName } from './client-lookups.js';
import { prependFields } from './headers.js';
import { checkLocalSender } from './local-sender.js';
import { COPIES_UNTIL_DELIVERY, readMessage } from './message-reader.js';
import { requireQuotaRoom } from './quota.js';
import { receivedHeader, removeForgedAuthResults } from './trace.js';
import { transactionOf } from './transaction.js';
import { applyVerdict, deliveryTargets, verdictRefusal } from './verdict.js';

/**
 * DATA on the MX: read (smuggling, size and [limits] checks, memory reserved), authenticate
 * (SPF/DKIM/DMARC/ARC), refuse unauthenticated mail in the name of our own domains, filter, and
 * deliver to every local recipient in one store transaction. Resolves with the 250 text only
 * after the store has committed; throws SmtpReply (or a stream or worker error) otherwise, and
 * nothing is kept. Parsing, authentication and analysis run on the worker threads (src/workers),
 * each within `[limits] message_cpu_budget`; the message is analysed once, as it is stored.
 */
export async function receiveInbound(ctx: AppContext, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
  const received = await readMessage(stream, ctx.config, ctx.memory, ctx.spool, COPIES_UNTIL_DELIVERY);
  try {
    return await checkAndDeliver(ctx, await received.bytes(), session);
  } finally {
    await received.release();
  }
}

async function checkAndDeliver(ctx: AppContext, original: Buffer, session: SMTPServerSession): Promise<string> {
  // The id the Received field gives the message (trace.ts): logs and the message agree.
  const queueId = `${session.id}.${session.transaction}`;
  requireQuotaRoom(ctx, transactionOf(session).local, original.length);
  // The virus scan starts now and runs while mailauth looks up SPF, DKIM and DMARC records.
  const filtering = ctx.filters.begin(original);
  const hostname = ctx.config.server.hostname;
  const auth = await authenticateInbound(ctx, original, session, queueId);
  // Abandoning the pending check is safe: the virus scan settles on its own and is never rejected.
  checkLocalSender(ctx.directory, original, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', auth.proof);
  const traced = prependFields(removeForgedAuthResults(original, hostname), [receivedHeader(session, hostname, new Date(), await clientName(session)), auth.headers]);
  const recipients = transactionOf(session).local;
  const verdict = await filtering.finish(traced, {
    direction: 'inbound',
    remoteIp: session.remoteAddress,
    helo: session.hostNameAppearsAs,
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: session.envelope.rcptTo.map((r) => r.address),
    authenticatedAs: null,
    auth: auth.summary,
    queueId,
  });
  const refusal = verdictRefusal(verdict);
  if (refusal) throw refusal;
  const stored = await withBanner(ctx.workers, applyVerdict(traced, verdict), verdict.banner, queueId);
  const analysis = await ctx.workers.run(ANALYZE_MESSAGE, stored, queueId, stored.length);
  const result = await ctx.store.deliver(deliveryTargets(recipients, verdict), stored, { analysis });
  ctx.logger.info(
    { proto: 'smtp', cid: session.id, queueId, size: original.length, recipients: recipients.size, verdict: verdict.action, blob: result.blobId },
    'message delivered',
  );
  return `Message accepted for delivery (${result.blobId.slice(0, 12)})`;
}
