import type { Socket } from 'node:net';
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { HostPort } from '../config/index.js';
import type { AppContext, RunningListener } from '../context.js';
import type { Identity } from '../directory/index.js';
import { messagesAccepted, messagesRejected, trackConnection } from '../metrics.js';
import { WorkBudgetExceeded, WorkQueueFull } from '../workers/index.js';
import { isStorageExhausted, StoreError } from '../store/index.js';
import { authenticateLogin } from './auth.js';
import { lookUpClient, lookUpSenderPolicy } from './client-lookups.js';
import { ConnectionLimits } from './connection-limits.js';
import { createDkimSigner } from './dkim.js';
import { receiveInbound } from './inbound.js';
import { SmtpListener } from './listener.js';
import { checkDeclaredSize, INBOUND_COPIES, SUBMISSION_COPIES } from './message-reader.js';
import { QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
import { HourlyRateLimit } from './rate-limit.js';
import { decideRecipient } from './recipients.js';
import { srsKeyOf } from './srs.js';
import { checkRecipientQuota } from './quota.js';
import { replies, SmtpReply } from './reply.js';
import { checkEnvelopeSender } from './senders.js';
import { checkHourlyLimit, receiveSubmission, type SubmissionServices } from './submission.js';
import { transactionOf } from './transaction.js';
import { reportViolation } from './violations.js';

/**
 * The SMTP side of cantho-mail (DESIGN.md "Protocols"):
 * - `smtp.mx`: mail from the Internet for local domains only; no AUTH, never relays;
 * - `smtp.submission` (STARTTLS, required before AUTH) and `smtp.submissions` (implicit TLS,
 *   RFC 8314): officials with AUTH PLAIN/LOGIN; remote recipients go to the outbound queue.
 * Invariants: a recipient is accepted or refused at RCPT; `250` after DATA only once the store
 * (or the queue) has committed; every local recipient of a message is one `store.deliver` call.
 */

export interface SmtpStartOptions {
  /** The outbound queue worker; `false` leaves the queue alone (a bench of the MX only). */
  readonly queueWorker?: QueueWorkerOptions | false;
}

type Role = 'mx' | 'submission' | 'submissions';

/** The MX's and submission's tasks for the analysis workers (src/workers), for the composition root to preload. */
export { INSPECT_INBOUND } from './inspection.js';
export { INSPECT_SUBMISSION } from './submission-inspection.js';

export async function startSmtp(ctx: AppContext, options: SmtpStartOptions = {}): Promise<RunningListener[]> {
  const worker = options.queueWorker === false ? null : new QueueWorker(ctx, options.queueWorker);
  const services: SubmissionServices = {
    rateLimit: new HourlyRateLimit(ctx.config.smtp.user_messages_per_hour),
    dkim: createDkimSigner(ctx.config, ctx.workers),
    wakeQueue: () => worker?.wake(),
  };
  const wanted: Array<[Role, HostPort | null]> = [
    ['mx', ctx.config.smtp.mx],
    ['submission', ctx.config.smtp.submission],
    ['submissions', ctx.config.smtp.submissions],
  ];
  const started: RunningListener[] = [];
  try {
    for (const [role, address] of wanted) if (address) started.push(await listen(ctx, role, address, services));
  } catch (err) {
    await Promise.all(started.map((l) => l.close()));
    throw err;
  }
  if (!worker || started.length === 0) return started;
  worker.start();
  // The worker belongs to the SMTP service: it stops when the last of its listeners is closed.
  let open = started.length;
  return started.map((listener) => ({
    ...listener,
    close: async () => {
      await listener.close();
      if (--open === 0) await worker.stop();
    },
  }));
}

async function listen(ctx: AppContext, role: Role, address: HostPort, services: SubmissionServices): Promise<RunningListener> {
  const log = ctx.logger.child({ proto: 'smtp', listener: role });
  const server = new SmtpListener(
    listenerOptions(ctx, role, services),
    // DESIGN.md "Config" [smtp] greeting_delay: an MX spam defence; submission never pauses.
    {
      maxCommandsBeforeData: ctx.config.smtp.max_commands_before_data,
      greetingDelayMs: role === 'mx' ? ctx.config.smtp.greeting_delay : 0,
      proxyProtocolFrom: ctx.config.smtp.proxy_protocol_from,
    },
    log,
  );
  // 'connection' is the TCP socket, before TLS on smtps: every connection counts, failed handshakes too.
  server.server.on('connection', (socket: Socket) => trackConnection(`smtp-${role}`, socket));
  // A renewed certificate (SIGHUP or the files replaced) for the next STARTTLS or implicit-TLS handshake.
  ctx.tls.onChange(({ key, cert }) => server.updateSecureContext({ key, cert }));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const bound = server.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  ctx.logger.info({ proto: 'smtp', listener: role, host: address.host, port }, 'listening');
  return {
    name: `smtp-${role}`,
    host: address.host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function listenerOptions(ctx: AppContext, role: Role, services: SubmissionServices): SMTPServerOptions {
  const { smtp, server } = ctx.config;
  const limits = new ConnectionLimits({ perIp: smtp.max_connections_per_ip, ratePerIp: smtp.max_connection_rate_per_ip });
  const admitted = new Set<string>();
  const isSubmission = role !== 'mx';
  const path = isSubmission ? 'submission' : 'mx';
  /** A refused MAIL, RCPT or DATA: counted under its reason, then answered. */
  const refuse = (session: SMTPServerSession, err: unknown): SmtpReply => {
    const reply = asReply(ctx, session, err);
    messagesRejected.inc({ path, reason: reply.reason });
    return reply;
  };
  return {
    name: server.hostname,
    key: ctx.tls.key,
    cert: ctx.tls.cert,
    secure: role === 'submissions',
    size: smtp.max_message_size,
    // RFC 2034 ENHANCEDSTATUSCODES; the rest (PIPELINING, 8BITMIME, SMTPUTF8, STARTTLS) are on by default.
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    disabledCommands: isSubmission ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    authRequiredMessage: '5.7.0 Authentication required',
    // client-lookups.ts does the PTR lookup, bounded by [dns] and without holding the greeting.
    disableReverseLookup: true,
    maxClients: smtp.max_connections,
    socketTimeout: smtp.idle_timeout,
    closeTimeout: 10_000,

    onConnect(session, callback) {
      const refusal = limits.admit(session.remoteAddress);
      if (refusal) {
        callback(refusal);
        return;
      }
      admitted.add(session.id);
      lookUpClient(ctx, session);
      callback();
    },

    onClose(session) {
      if (admitted.delete(session.id)) limits.release(session.remoteAddress);
    },

    onAuth(auth, session, callback) {
      authenticateLogin(ctx, auth, session).then(
        (identity) => callback(null, { user: identity }),
        (err: unknown) => callback(asReply(ctx, session, err)),
      );
    },

    onMailFrom(address, session, callback) {
      try {
        checkDeclaredSize(address.args, ctx.memory, isSubmission ? SUBMISSION_COPIES : INBOUND_COPIES);
        if (isSubmission) {
          const identity = session.user as Identity;
          checkEnvelopeSender(ctx.directory, identity, address.address);
          checkHourlyLimit(ctx, services, identity);
        }
        if (!isSubmission) lookUpSenderPolicy(ctx, address.address);
        callback();
      } catch (err) {
        callback(refuse(session, err));
      }
    },

    async onRcptTo(address, session, callback) {
      try {
        const count = session.envelope.rcptTo.length;
        if (count >= smtp.max_recipients) throw replies.tooManyRecipients();
        if (isSubmission && count >= smtp.user_max_recipients) {
          const identity = session.user as Identity;
          if (count === smtp.user_max_recipients) reportViolation(ctx, identity.person, 'recipient-limit', `more than ${smtp.user_max_recipients} recipients in one message`);
          throw new SmtpReply(450, '4.7.1', `Recipient limit of ${smtp.user_max_recipients} per message reached`, 'rate-limit');
        }
        const srs = isSubmission ? null : { key: srsKeyOf(ctx.config), nullSender: (session.envelope.mailFrom ? session.envelope.mailFrom.address : '') === '', now: new Date() };
        const decision = decideRecipient(ctx.directory, address.address, isSubmission, srs);
        const transaction = transactionOf(session);
        if (decision.kind === 'local') {
          await checkRecipientQuota(ctx, decision.account, session);
          transaction.local.add(decision.account);
        } else if (decision.kind === 'srs-bounce') transaction.bounces.add(decision.address);
        else transaction.remote.add(decision.address);
        callback();
      } catch (err) {
        callback(refuse(session, err));
      }
    },

    onData(stream, session, callback) {
      const receive = isSubmission ? receiveSubmission(ctx, services, stream, session) : receiveInbound(ctx, stream, session, services.wakeQueue);
      receive.then(
        (text) => {
          messagesAccepted.inc({ path });
          callback(null, text);
        },
        (err: unknown) => callback(refuse(session, err)),
      );
    },
  };
}

/**
 * Our refusals go out as they are; a message over its analysis budget or a full analysis queue
 * (src/workers, logged there with the message's id) is tempfailed; anything else is an internal
 * fault: logged, and a 451 so the client retries. A store that cannot write (disk full) is 452 4.3.1.
 * A database that is gone or read-only (failover, docs/postgres.en.md "Failover") is 451 4.3.0 too,
 * RFC 5321 §4.2.5: the 250 comes only after COMMIT, so the sender keeps the message and retries.
 */
function asReply(ctx: AppContext, session: SMTPServerSession, err: unknown): SmtpReply {
  if (err instanceof SmtpReply) return err;
  if (err instanceof WorkBudgetExceeded) return replies.overAnalysisBudget();
  if (err instanceof WorkQueueFull) return replies.analysisQueueFull();
  if (isStorageExhausted(err)) {
    ctx.logger.error({ proto: 'smtp', cid: session.id, err: (err as Error).message }, 'message refused: storage full');
    return replies.insufficientStorage();
  }
  if (err instanceof StoreError && err.code === 'unavailable') {
    ctx.logger.warn({ proto: 'smtp', cid: session.id, err: err.message }, 'message deferred: store unavailable');
    return replies.tempFailure();
  }
  ctx.logger.error({ proto: 'smtp', cid: session.id, err }, 'SMTP transaction failed');
  return replies.tempFailure();
}
