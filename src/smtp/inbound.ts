import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import { authenticateInbound } from './authentication.js';
import { prependFields } from './headers.js';
import { checkLocalSender } from './local-sender.js';
import { readMessage } from './message-reader.js';
import { requireQuotaRoom } from './quota.js';
import { receivedHeader, removeForgedAuthResults } from './trace.js';
import { transactionOf } from './transaction.js';
import { applyVerdict, deliveryTargets, verdictRefusal } from './verdict.js';

/**
 * DATA on the MX: read (smuggling and size checks), authenticate (SPF/DKIM/DMARC/ARC), refuse
 * unauthenticated mail in the name of our own domains, filter,
 * and deliver to every local recipient in one store transaction. Resolves with the 250 text only
 * after the store has committed; throws SmtpReply (or a stream error) otherwise, and nothing is kept.
 */
export async function receiveInbound(ctx: AppContext, stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
  const original = await readMessage(stream, ctx.config.smtp.max_message_size);
  requireQuotaRoom(ctx, transactionOf(session).local, original.length);
  // The virus scan starts now and runs while mailauth looks up SPF, DKIM and DMARC records.
  const filtering = ctx.filters.begin(original);
  const hostname = ctx.config.server.hostname;
  const auth = await authenticateInbound(ctx, original, session);
  // Abandoning the pending check is safe: the virus scan settles on its own and is never rejected.
  checkLocalSender(ctx.directory, original, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', auth.result);
  const traced = prependFields(removeForgedAuthResults(original, hostname), [receivedHeader(session, hostname, new Date()), auth.headers]);
  const recipients = transactionOf(session).local;
  const verdict = await filtering.finish(traced, {
    direction: 'inbound',
    remoteIp: session.remoteAddress,
    helo: session.hostNameAppearsAs,
    mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    recipients: session.envelope.rcptTo.map((r) => r.address),
    authenticatedAs: null,
    auth: auth.summary,
  });
  const refusal = verdictRefusal(verdict);
  if (refusal) throw refusal;
  const result = await ctx.store.deliver(deliveryTargets(recipients, verdict), applyVerdict(traced, verdict));
  ctx.logger.info(
    { proto: 'smtp', cid: session.id, size: original.length, recipients: recipients.size, verdict: verdict.action, blob: result.blobId },
    'message delivered',
  );
  return `Message accepted for delivery (${result.blobId.slice(0, 12)})`;
}
