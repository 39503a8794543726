import type { SMTPServerSession } from 'smtp-server';
import type { AppContext } from '../context.js';
import type { Verdict } from '../filters/index.js';
import type { MessageAnalysis } from '../mime/index.js';
import { composeVacationReply, redirectAllowed, redirectPolicy, RUN_SIEVE, SIEVE_LIMITS, sieveVerdictValues, type SieveOutcome, type SieveTaskInput, type VacationReply } from '../sieve/index.js';
import type { AccountId, DeliveryFolder, DeliveryResult, DeliveryTarget, MessageBytes } from '../store/index.js';
import { asAccountId, leadingOctets, messageSize, wholeMessage } from '../store/index.js';
import { buildDsn } from './dsn.js';
import { SmtpReply } from './reply.js';
import { srsForward, srsKeyOf } from './srs.js';

/**
 * Final delivery to local recipients with their Sieve scripts (src/sieve), after the spam
 * verdict: the verdict's folder (INBOX or Junk) is each script's keep. All scripts of one message
 * run in one worker job; a script that fails, or a job the pool refuses or stops, keeps the
 * message for its recipients (RFC 5228 §2.10.6) and logs why. Redirects and out-of-office
 * replies go out only after the delivery has committed, so a retried message never sends twice
 * what it never stored. A rejection (RFC 5429) that every recipient's script agrees on is the MX's
 * 550 answer to DATA; otherwise each rejecting recipient's refusal goes to the sender as a DSN
 * (RFC 3464), never to a null, program or automatic sender (RFC 3834 §2).
 */
export interface SieveDeliveryInput {
  /** Local accounts of the transaction, each with the RCPT addresses that led to it. */
  readonly recipients: ReadonlyMap<AccountId, readonly string[]>;
  /** The stored copy: our fields on top of the received bytes (MessageBytes, no copy of the body). */
  readonly stored: MessageBytes;
  readonly analysis: MessageAnalysis;
  /** The stored copy's SHA-256 when the edge computed it off the event loop (a spooled message); else the store hashes it. */
  readonly sha256?: string;
  readonly verdict: Verdict;
  readonly mailFrom: string;
  readonly queueId: string;
  readonly wakeQueue: () => void;
  /** The MX answers a rejection every recipient agrees on at SMTP time; submission (our own official, maybe remote recipients too) reports it by DSN. */
  readonly refuseAtSmtp: boolean;
}

interface RecipientPlan {
  readonly targets: DeliveryTarget[];
  readonly redirects: string[];
  readonly vacation: VacationReply | null;
  /** RFC 5429: the recipient's script refused the message, and whether the sender may be told by DSN. */
  readonly reject: { readonly reason: string; readonly notify: boolean } | null;
}

export async function deliverWithSieve(ctx: AppContext, input: SieveDeliveryInput): Promise<DeliveryResult | null> {
  const keepFolder: DeliveryFolder = input.verdict.action === 'junk' ? 'Junk' : 'INBOX';
  const plans = await planRecipients(ctx, input, keepFolder);
  const rejections = [...plans.values()].flatMap((plan) => plan.reject ?? []);
  // RFC 5429 §2.1, §4: refuse in the protocol when the refusal is the whole transaction's answer.
  if (input.refuseAtSmtp && plans.size > 0 && rejections.length === plans.size) {
    ctx.logger.info({ proto: 'smtp', queueId: input.queueId, recipients: plans.size }, 'sieve: message rejected at SMTP time');
    throw new SmtpReply(550, '5.7.1', smtpReasonText(rejections[0]!.reason), 'sieve-reject');
  }
  const targets = [...plans.values()].flatMap((plan) => plan.targets);
  // Every script discarded the message: nothing to store (RFC 5228 §4.3), the 250 still stands.
  const result = targets.length === 0 ? null : await ctx.store.deliver(targets, input.stored, { analysis: input.analysis, ...(input.sha256 ? { sha256: input.sha256 } : {}) });
  for (const [account, plan] of plans) {
    // A redirect outside is in the outbound queue before the 250, as the message itself is stored.
    for (const address of plan.redirects) await sendRedirect(ctx, input, account, address);
    if (plan.vacation && input.verdict.action === 'accept') await sendVacation(ctx, input, account, plan.vacation);
    if (plan.reject) await sendRejection(ctx, input, account, plan.reject);
  }
  return result;
}

/** One line of printable text for the 550 (RFC 5321 §4.5.3.1.5 line length), the script's first line of reason. */
function smtpReasonText(reason: string): string {
  const line = (reason.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').replace(/[^\x20-\x7e\u00a0-\uffff]/g, ' ').trim().slice(0, 200);
  return line === '' ? 'Message refused by the recipient' : line;
}

async function planRecipients(ctx: AppContext, input: SieveDeliveryInput, keepFolder: DeliveryFolder): Promise<Map<AccountId, RecipientPlan>> {
  const plans = new Map<AccountId, RecipientPlan>();
  const runs: Array<SieveTaskInput['runs'][number]> = [];
  for (const [account, addresses] of input.recipients) {
    const script = await ctx.sieve.activeScript(account);
    if (script === null) plans.set(account, keepOnly(account, keepFolder));
    else {
      const folders = script.includes('mailboxexists') ? (await ctx.store.listMailboxes(account)).map((m) => m.name) : [];
      runs.push({ recipient: account, script, ownAddresses: [account, ...addresses.filter((a) => a.toLowerCase() !== account)], folders });
    }
  }
  if (runs.length === 0) return plans;
  const outcomes = await runScripts(ctx, input, runs);
  const policy = redirectPolicy(ctx.config.sieve, (domain) => ctx.directory.isLocalDomain(domain));
  for (const outcome of outcomes) {
    const account = asAccountId(outcome.recipient);
    if (outcome.kind === 'error') {
      ctx.logger.warn({ proto: 'smtp', queueId: input.queueId, account, reason: outcome.reason }, 'sieve: script failed, message kept');
      plans.set(account, keepOnly(account, keepFolder));
      continue;
    }
    const targets: DeliveryTarget[] = outcome.plan.filings.map((filing) => ({
      account,
      folder: filing.folder === null ? keepFolder : { name: filing.folder, create: filing.create },
      flags: filing.flags,
    }));
    const redirects: string[] = [];
    for (const { address } of outcome.plan.redirects) {
      if (redirectAllowed(address, policy)) redirects.push(address);
      else {
        // Saved when the policy allowed it, refused now: the copy it would have carried stays here.
        ctx.logger.warn({ proto: 'smtp', queueId: input.queueId, account, to: address }, 'sieve: redirect outside our domains refused, message kept');
        if (!targets.some((t) => t.folder === keepFolder)) targets.push({ account, folder: keepFolder });
      }
    }
    const vacation = outcome.vacation?.kind === 'reply' ? outcome.vacation.reply : null;
    const reject = outcome.plan.reject ? { reason: outcome.plan.reject.reason, notify: outcome.mayNotifySender } : null;
    plans.set(account, { targets, redirects, vacation, reject });
    ctx.logger.info({ proto: 'smtp', queueId: input.queueId, account, copies: targets.length, redirects: redirects.length, vacation: vacation !== null, reject: reject !== null }, 'sieve: script ran');
  }
  return plans;
}

async function runScripts(ctx: AppContext, input: SieveDeliveryInput, runs: SieveTaskInput['runs']): Promise<SieveOutcome[]> {
  const size = messageSize(input.stored);
  // Only the header block crosses to the worker (the body tests read the analysis' text), unless a
  // script asks for body :raw or :content: then the first maxBodyBytes of the body go too.
  const wantsBody = runs.some((run) => /:(raw|content)\b/.test(run.script));
  const prefixSize = Math.min(size, input.analysis.headerSize + SIEVE_LIMITS.maxBodyBytes);
  const task: SieveTaskInput = {
    header: leadingOctets(input.stored, input.analysis.headerSize),
    size,
    bodyText: input.analysis.searchText.body,
    body: wantsBody ? { prefix: leadingOctets(input.stored, prefixSize), structure: input.analysis.structure } : null,
    mailFrom: input.mailFrom,
    now: Date.now(),
    verdict: sieveVerdictValues(input.verdict),
    runs,
  };
  try {
    return await ctx.workers.run(RUN_SIEVE, task, input.queueId, wantsBody ? prefixSize : input.analysis.headerSize);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return runs.map(({ recipient }) => ({ recipient, kind: 'error', reason }));
  }
}

function keepOnly(account: AccountId, keepFolder: DeliveryFolder): RecipientPlan {
  return { targets: [{ account, folder: keepFolder }], redirects: [], vacation: null, reject: null };
}

/**
 * A sender of another domain is rewritten (SRS, srs.ts): the receiver's SPF check then asks
 * about our domain, which did send it, and bounces come back to us to pass on. Our own senders
 * and the null sender stay as they are.
 */
function envelopeSenderForForward(ctx: AppContext, mailFrom: string): string {
  const domain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1);
  if (mailFrom === '' || ctx.directory.isLocalDomain(domain)) return mailFrom;
  return srsForward(mailFrom, srsKeyOf(ctx.config), new Date());
}

/**
 * RFC 5228 §4.2: the message goes on unchanged with its envelope sender (rewritten by SRS when it
 * leaves our domains). Inside our domains it
 * lands in the INBOX of the address's account (without that account's own script, so two scripts
 * cannot bounce a message between them); outside, through the outbound queue.
 */
async function sendRedirect(ctx: AppContext, input: SieveDeliveryInput, account: AccountId, address: string): Promise<void> {
  const resolution = ctx.directory.resolveRecipient(address);
  const log = { proto: 'smtp', queueId: input.queueId, account, to: address };
  if (resolution.ok) {
    ctx.store.deliver([{ account: resolution.account, folder: 'INBOX' }], input.stored, { analysis: input.analysis }).then(
      () => ctx.logger.info(log, 'sieve: redirected'),
      (error: unknown) => ctx.logger.error({ ...log, err: error }, 'sieve: redirect failed'),
    );
  } else if (resolution.reason === 'not-local') {
    const sender = envelopeSenderForForward(ctx, input.mailFrom);
    await ctx.queue.enqueue(sender, [address], wholeMessage(input.stored), new Date());
    input.wakeQueue();
    ctx.logger.info({ ...log, from: input.mailFrom, sender }, 'sieve: redirected outside our domains');
  } else {
    ctx.logger.warn({ ...log, reason: resolution.reason }, 'sieve: redirect to an address that takes no mail, dropped');
  }
}

/**
 * RFC 5230 §4.2 once per sender and handle per period (recorded in the store), never for mail the
 * filters judged spam; sent with the null reverse-path (RFC 3834 §3.3) so nothing answers it.
 */
async function sendVacation(ctx: AppContext, input: SieveDeliveryInput, account: AccountId, reply: VacationReply): Promise<void> {
  const log = { proto: 'smtp', queueId: input.queueId, account, to: reply.to };
  try {
    if (!(await ctx.sieve.claimVacationReply(account, reply.to, reply.handle, reply.periodSeconds, new Date()))) {
      ctx.logger.debug(log, 'sieve: vacation already answered this sender');
      return;
    }
    await sendAutomatic(ctx, input, reply.to, composeVacationReply(reply, ctx.config.server.hostname, new Date()), log, 'vacation reply');
  } catch (error) {
    ctx.logger.error({ ...log, err: error }, 'sieve: vacation reply failed');
  }
}

/**
 * RFC 5429 §2.1: the recipient's script refused the message; the sender hears it as a DSN
 * (RFC 3464 shape, dsn.ts) with the script's reason, unless it is a sender nobody answers.
 */
async function sendRejection(ctx: AppContext, input: SieveDeliveryInput, account: AccountId, reject: NonNullable<RecipientPlan['reject']>): Promise<void> {
  const log = { proto: 'smtp', queueId: input.queueId, account, to: input.mailFrom };
  if (!reject.notify) {
    ctx.logger.info(log, 'sieve: message rejected, sender not notified (null or automatic sender)');
    return;
  }
  try {
    const now = new Date();
    const failure = { address: account, state: 'failed' as const, error: `550 5.7.1 ${smtpReasonText(reject.reason)}` };
    const header = leadingOctets(input.stored, input.analysis.headerSize);
    const domain = account.slice(account.lastIndexOf('@') + 1);
    const dsn = buildDsn({ messageId: 0, sender: input.mailFrom, createdAt: now, failures: [failure] }, header, ctx.config.server.hostname, domain, now);
    await sendAutomatic(ctx, input, input.mailFrom, dsn, log, 'rejection DSN');
  } catch (error) {
    ctx.logger.error({ ...log, err: error }, 'sieve: rejection DSN failed');
  }
}

/** An automatic message (RFC 3834) goes out with the null reverse-path: into a local INBOX, or through the queue. */
async function sendAutomatic(ctx: AppContext, input: SieveDeliveryInput, to: string, raw: Buffer, log: Record<string, unknown>, what: string): Promise<void> {
  const resolution = ctx.directory.resolveRecipient(to);
  if (resolution.ok) {
    ctx.store.deliver([{ account: resolution.account, folder: 'INBOX' }], raw).catch((error: unknown) => ctx.logger.error({ ...log, err: error }, `sieve: ${what} failed`));
  } else {
    await ctx.queue.enqueue('', [to], raw, new Date());
    input.wakeQueue();
  }
  ctx.logger.info(log, `sieve: ${what} sent`);
}

/** Each local account with the RCPT addresses that named it (an alias and its owner share one copy): the envelope `to` and own addresses its script sees. */
export function recipientAddresses(ctx: AppContext, session: SMTPServerSession, accounts: ReadonlySet<AccountId>): Map<AccountId, string[]> {
  const addresses = new Map<AccountId, string[]>([...accounts].map((account) => [account, []]));
  for (const { address } of session.envelope.rcptTo) {
    const resolution = ctx.directory.resolveRecipient(address);
    if (resolution.ok) addresses.get(resolution.account)?.push(address.toLowerCase());
  }
  return addresses;
}
