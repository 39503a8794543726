import type { SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { Identity } from '../directory/index.js';
import { violationFromVerdict, type FilterContext, type ScannedBytes } from '../filters/index.js';
import { messageSize, type MessageBytes } from '../store/index.js';
import { clientName } from './client-lookups.js';
import type { DkimSigner } from './dkim.js';
import { fieldsOnTop, fieldsOnTopOfFile, headerBlockEnd, readHeaderBlock } from './headers.js';
import { SUBMISSION_COPIES, readMessage, type ReceivedMessage } from './message-reader.js';
import { requireQuotaRoom } from './quota.js';
import type { HourlyRateLimit } from './rate-limit.js';
import { SmtpReply } from './reply.js';
import { recordSendAs } from './send-as.js';
import { fromPolicyEdits } from './senders.js';
import { INSPECT_SUBMISSION } from './submission-inspection.js';
import { forgedAuthResults, receivedHeader } from './trace.js';
import { deliverWithSieve, recipientAddresses } from './sieve-delivery.js';
import { transactionOf } from './transaction.js';
import { verdictRefusal } from './verdict.js';
import { reportFilterViolation, reportViolation } from './violations.js';
import { whileWorkerHolds } from './worker-hold.js';

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
 * their Sieve scripts into the store (sieve-delivery.ts) and remote ones, DKIM-signed, into the
 * queue. The copy in Sent is the client's (it APPENDs it), so none is filed here.
 * As on the MX (inbound.ts), a message over `[limits] spool_threshold` stays in its spool file:
 * only its header block is read here; the edits are a new field block on top of ranges of the
 * file (headers.ts fieldsOnTopOfFile); the worker that reads the facts, clamd, the DKIM signer,
 * the store and the queue each read the file themselves, a chunk at a time but for the one
 * inspecting worker; the file is removed by release() on every path.
 */
export async function receiveSubmission(
  ctx: AppContext,
  services: SubmissionServices,
  stream: SMTPServerDataStream,
  session: SMTPServerSession,
): Promise<string> {
  const received = await readMessage(stream, ctx.config, ctx.memory, ctx.spool, SUBMISSION_COPIES);
  try {
    return await checkAndSend(ctx, services, received, await received.source(), session);
  } finally {
    await received.release();
  }
}

async function checkAndSend(ctx: AppContext, services: SubmissionServices, received: ReceivedMessage, original: ScannedBytes, session: SMTPServerSession): Promise<string> {
  const identity = session.user as Identity;
  const queueId = `${session.id}.${session.transaction}`;
  checkHourlyLimit(ctx, services, identity);
  const { local, remote } = transactionOf(session);
  await requireQuotaRoom(ctx, local, received.size);
  const hostname = ctx.config.server.hostname;
  const header = Buffer.isBuffer(original)
    ? original.subarray(0, headerBlockEnd(original))
    : await readHeaderBlock(original.file, original.size, ctx.config.limits.max_header_bytes);
  const policy = fromPolicyEdits(ctx.directory, identity, header);
  const dropped = [...policy.dropped, ...forgedAuthResults(header, hostname)].sort((a, b) => a.start - b.start);
  // RFC 5321 §4.4 trace; "with ESMTPSA" (RFC 3848) already says the client authenticated.
  const added = [receivedHeader(session, hostname, new Date(), await clientName(session)), ...policy.added];
  const message: MessageBytes = Buffer.isBuffer(original) ? fieldsOnTop(original, added, dropped) : fieldsOnTopOfFile(original.file, original.size, added, dropped);
  const size = messageSize(message);
  const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
  const filterContext: FilterContext = {
    direction: 'outbound',
    remoteIp: session.remoteAddress,
    helo: session.hostNameAppearsAs,
    mailFrom,
    recipients: session.envelope.rcptTo.map((r) => r.address),
    authenticatedAs: identity.person,
    queueId,
  };
  // The virus scan reads the received bytes (streamed from a spool file) while the worker reads the facts.
  const filtering = ctx.filters.begin(original);
  const forStore = local.size === 0 ? 'none' : Buffer.isBuffer(original) ? 'analysis' : 'analysis-and-digest';
  const inspection = await whileWorkerHolds(ctx, original, () =>
    ctx.workers.run(INSPECT_SUBMISSION, { pieces: message, rules: filtering.rules.ref, forStore }, queueId, size, { shared: [filtering.rules] }),
  );
  const verdict = await filtering.finish({ facts: inspection.facts }, filterContext);
  const refusal = verdictRefusal(verdict);
  const violation = violationFromVerdict(verdict, filterContext);
  if (refusal && violation) {
    reportFilterViolation(ctx, violation);
    // An official's own virus or spam is 554 whatever the filter proposed (DESIGN.md "Protocols", submission).
    throw new SmtpReply(554, refusal.enhanced.startsWith('5') ? refusal.enhanced : '5.7.1', refusal.text, refusal.reason);
  }
  if (refusal) throw refusal;
  const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1).toLowerCase();
  // The signature is one more field on top: the body stays where it is (memory or spool file).
  const outgoing: MessageBytes = remote.size > 0 && services.dkim ? [await services.dkim(message, size, domain, queueId), ...message] : message;
  // Local recipients first, then the queue: a failure between the two is answered 451, and the
  // client's retry may duplicate local copies, but nothing that got 250 is ever missing.
  if (local.size > 0) {
    // Local recipients' Sieve scripts run as they do for mail from the MX; a rejection is a DSN
    // to the official, since the 250 also covers any remote recipients.
    await deliverWithSieve(ctx, {
      recipients: recipientAddresses(ctx, session, local),
      stored: message,
      analysis: inspection.analysis!,
      ...(inspection.sha256 ? { sha256: inspection.sha256 } : {}),
      verdict,
      mailFrom,
      queueId,
      wakeQueue: services.wakeQueue,
      refuseAtSmtp: false,
    });
  }
  if (remote.size > 0) {
    await ctx.queue.enqueue(mailFrom, [...remote], outgoing, new Date());
    services.wakeQueue();
  }
  services.rateLimit.record(identity.person, Date.now());
  recordSendAs(ctx.directory, identity, header, session.envelope.rcptTo.map((r) => r.address));
  ctx.logger.info(
    { proto: 'smtp', cid: session.id, user: identity.person, size: received.size, spooled: !Buffer.isBuffer(original), local: local.size, remote: remote.size },
    'message submitted',
  );
  return 'Message accepted for delivery';
}
