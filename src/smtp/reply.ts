import type { SMTPServerError } from 'smtp-server';

/**
 * An SMTP refusal decided by our policy, carrying its own RFC 3463 enhanced status code. Handed to
 * smtp-server's callbacks; the listener (listener.ts) sends `code enhanced text` verbatim instead
 * of the library's guess from the reply code alone (which would say 5.1.3 for every 553).
 * `reason` is the short stable word `cantho_messages_rejected_total` counts it under.
 */
export class SmtpReply extends Error implements SMTPServerError {
  readonly responseCode: number;

  constructor(
    readonly code: number,
    readonly enhanced: string,
    readonly text: string,
    readonly reason = 'policy',
  ) {
    super(`${enhanced} ${text}`);
    this.name = 'SmtpReply';
    this.responseCode = code;
  }
}

/** `5.1.1 …` at the start of a reply text: the text already carries its enhanced status code. */
export const ENHANCED_CODE_PREFIX = /^[245]\.\d{1,3}\.\d{1,3} /;

/** The refusals used in more than one place, so that every listener words them the same way. */
export const replies = {
  // RFC 5321 §3.6.2: relaying is refused for an unauthenticated client.
  relayDenied: () => new SmtpReply(550, '5.7.1', 'Relaying denied', 'relay'),
  // RFC 5321 §3.6.1 / §2.3.11: %-hack, bang paths and quoted local parts are routing, not mailboxes.
  routingSyntax: () => new SmtpReply(550, '5.7.1', 'Relaying denied: source routing in the address is not accepted', 'relay'),
  badAddress: () => new SmtpReply(553, '5.1.3', 'Bad destination mailbox address syntax', 'bad-address'),
  unknownRecipient: () => new SmtpReply(550, '5.1.1', 'Mailbox unavailable: no such user here', 'unknown-recipient'),
  mailboxDisabled: () => new SmtpReply(550, '5.2.1', 'Mailbox disabled, not accepting messages', 'mailbox-disabled'),
  tooManyRecipients: () => new SmtpReply(452, '4.5.3', 'Too many recipients', 'recipient-limit'),
  // RFC 3463 §3.3 X.2.2; transient on purpose (src/smtp/quota.ts).
  mailboxFull: () => new SmtpReply(452, '4.2.2', 'Mailbox full: over its quota, try again later', 'over-quota'),
  messageTooBig: (max: number) => new SmtpReply(552, '5.3.4', `Message size exceeds fixed maximum message size (${max} bytes)`, 'size'),
  // RFC 5321 §4.5.3.1.10, RFC 3463 X.3.1 "mail system full": `[limits] memory_ceiling` reached by all sessions together.
  outOfMemoryBudget: () => new SmtpReply(452, '4.3.1', 'Insufficient system storage, try again later', 'memory'),
  bareLineEnd: () => new SmtpReply(554, '5.6.0', 'Message refused: bare <CR> or <LF> in DATA (RFC 5321 section 2.3.8)', 'bare-line-end'),
  // RFC 4954 §6: the session's login was withdrawn (password reset, retirement, unit suspended: docs/architecture.md "Password lifecycle").
  loginWithdrawn: () => new SmtpReply(530, '5.7.0', 'Authentication no longer valid: password reset, account retired or unit suspended; contact the administrator', 'login-withdrawn'),
  notAllowedSender: () => new SmtpReply(553, '5.7.1', 'Sender address not allowed for this login', 'sender-not-allowed'),
  notAllowedFromHeader: () => new SmtpReply(553, '5.7.1', 'From: header address not allowed for this login', 'sender-not-allowed'),
  impersonatingDisplayName: () =>
    new SmtpReply(553, '5.7.1', "From: display name contains another official's address, not allowed for this login", 'sender-not-allowed'),
  // DMARC (RFC 7489) for our own domains, enforced whatever the published policy: officials send through submission.
  forgedLocalSender: (domain: string) => new SmtpReply(550, '5.7.1', `mail from ${domain} must be sent through authenticated submission`, 'forged-local-sender'),
  // RFC 3463 X.7.0 "other or undefined security status": the message took more than `[limits] message_cpu_budget` to check.
  overAnalysisBudget: () => new SmtpReply(451, '4.7.0', 'Message could not be checked in time, try again later', 'analysis-budget'),
  // RFC 3463 X.3.2 "system not accepting network messages": every analysis worker is busy and the queue in front of them full.
  analysisQueueFull: () => new SmtpReply(451, '4.3.2', 'System busy, try again later', 'analysis-queue'),
  tempFailure: () => new SmtpReply(451, '4.3.0', 'Temporary failure, please try again later', 'error'),
  // RFC 5321 §4.2.2 452 and RFC 3463 §3.4 4.3.1 "mail system full": the sender keeps the message and retries.
  insufficientStorage: () => new SmtpReply(452, '4.3.1', 'Insufficient system storage, try again later', 'storage-full'),
} as const;
