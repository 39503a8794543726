import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { Identity } from '../directory/index.js';
import { violationFromVerdict, type FilterContext } from '../filters/index.js';
import { ANALYZE_MESSAGE } from '../mime/index.js';
import { clientName } from './client-lookups.js';
import type { DkimSigner } from './dkim.js';
import { prependFields } from './headers.js';
import { SUBMISSION_COPIES, readMessage } from './message-reader.js';
import { requireQuotaRoom } from './quota.js';
import type { HourlyRateLimit } from './rate-limit.js';
import { SmtpReply } from './reply.js';
import { recordSendAs } from './send-as.js';
import { applyFromPolicy } from './senders.js';
import { receivedHeader, removeForgedAuthResults } from './trace.js';
import { deliverWithSieve, recipientAddresses } from './sieve-delivery.js';
import { transactionOf } from './transaction.js';
import { verdictRefusal } from './verdict.js';
import { reportFilterViolation, reportViolation } from './violations.js';

export interface SubmissionServices {
  readonly rateLimit: HourlyRateLimit;
  readonly dkim: DkimSigner | null;
  /** Tells the queue worker there is new work. */
  readonly wakeQueue: () => void;
}

/** `smtp.user_messages_per_hour` (450 4.7.1), checked at MAIL FROM and counted at DATA. */
export function checkHourlyLimit(ctx: AppContext, services: SubmissionServices, identity: Identity): void {
  if (services.rateLimit.allows(identity.person, Date.now())) return;
  if (services.rateLimit.firstRefusal(identity.person)) {
    reportViolation(ctx, identity.person, 'rate-limit', `more than ${ctx.config.smtp.user_messages_per_hour} messages per hour`);
  }
  throw new SmtpReply(450, '4.7.1', `Sending limit of ${ctx.config.smtp.user_messages_per_hour} messages per hour reached, try again later`, 'rate-limit');
}

/**
 * DATA on submission: the From: policy (553 5.7.1, Sender: when sending as a unit), outbound
 * filtering (a virus or reject-level spam → 554 and a violation), then local recipients through
 * their Sieve scripts into the store (sieve-delivery.ts) and remote ones, DKIM-signed, into the queue. The copy in Sent is the client's
 * (it APPENDs it), so none is filed here.
 */
export async function receiveSubmission(
  ctx: AppContext,
  services: SubmissionServices,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<string> {
  const received = await readMessage(stream, ctx.config, ctx.memory, ctx.spool, SUBMISSION_COPIES);
  try {
    return await checkAndSend(ctx, services, await received.bytes(), session);
  } finally {
    await received.release();
  }
}

async function checkAndSend(ctx: AppContext, services: SubmissionServices, original: Buffer, session: SMTPServerSession): Promise<string> {
  const identity = session.user as Identity;
  const queueId = `${session.id}.${session.transaction}`;
  checkHourlyLimit(ctx, services, identity);
  await requireQuotaRoom(ctx, transactionOf(session).local, original.length);
  const hostname = ctx.config.server.hostname;
  // RFC 5321 §4.4 trace; "with ESMTPSA" (RFC 3848) already says the client authenticated.
  const message = prependFields(removeForgedAuthResults(applyFromPolicy(ctx.directory, identity, original), hostname), [
    receivedHeader(session, hostname, new Date(), await clientName(session)),
  ]);
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const { local, remote } = transactionOf(session);
  const filterContext: FilterContext = {
    direction: 'outbound',
    remoteIp: session.remoteAddress,
    helo: session.hostNameAppearsAs,
    mailFrom,
    recipients: session.envelope.rcptTo.map((r) => r.address),
    authenticatedAs: identity.person,
    queueId,
  };
  const verdict = await ctx.filters.check(message, filterContext);
  const refusal = verdictRefusal(verdict);
  const violation = violationFromVerdict(verdict, filterContext);
  if (refusal && violation) {
    reportFilterViolation(ctx, violation);
    // An official's own virus or spam is 554 whatever the filter proposed (DESIGN.md "Protocols", submission).
    throw new SmtpReply(554, refusal.enhanced.startsWith('5') ? refusal.enhanced : '5.7.1', refusal.text, refusal.reason);
  }
  if (refusal) throw refusal;
  const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1).toLowerCase();
  const outgoing = remote.size > 0 && services.dkim ? await services.dkim(message, domain, queueId) : message;
  // Local recipients first, then the queue: a failure between the two is answered 451, and the
  // client's retry may duplicate local copies, but nothing that got 250 is ever missing.
  if (local.size > 0) {
    const analysis = await ctx.workers.run(ANALYZE_MESSAGE, message, queueId, message.length);
    // Local recipients' Sieve scripts run as they do for mail from the MX; a rejection is a DSN
    // to the official, since the 250 also covers any remote recipients.
    await deliverWithSieve(ctx, {
      recipients: recipientAddresses(ctx, session, local),
      stored: message,
      analysis,
      verdict,
      mailFrom,
      queueId,
      wakeQueue: services.wakeQueue,
      refuseAtSmtp: false,
    });
  }
  if (remote.size > 0) {
    ctx.queue.enqueue(mailFrom, [...remote], outgoing, new Date());
    services.wakeQueue();
  }
  services.rateLimit.record(identity.person, Date.now());
  recordSendAs(ctx.directory, identity, message, session.envelope.rcptTo.map((r) => r.address));
  ctx.logger.info(
    { proto: 'smtp', cid: session.id, user: identity.person, size: original.length, local: local.size, remote: remote.size },
    'message submitted',
  );
  return 'Message accepted for delivery';
}
