import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { Config } from '../config/index.js';
import type { QueuedMessageStream } from '../store/index.js';
import { parseHostPort } from '../config/index.js';
import type { DnsResolver } from '../context.js';

/** Where one attempt connects: an IP (or hostname, for a smarthost) and port, with the name for TLS SNI. */
export interface OutboundRoute {
  readonly host: string;
  readonly port: number;
  readonly servername: string;
}

/** What a remote server said about each recipient of one attempt. */
export type RecipientOutcome =
  | { readonly kind: 'delivered'; readonly response: string }
  | { readonly kind: 'deferred'; readonly error: string }
  | { readonly kind: 'failed'; readonly error: string };

/**
 * Sends one message to one route; the queue worker gets one outcome per recipient (lowercase
 * address). The message is a stream made for this attempt alone, read as the remote server takes
 * it; the transport leaves it destroyed or drained.
 */
export type OutboundTransport = (
  route: OutboundRoute,
  envelope: { from: string; to: readonly string[] },
  message: QueuedMessageStream,
) => Promise<Map<string, RecipientOutcome>>;

/** Routing failed before any SMTP conversation: permanent (null MX, RFC 7505) or worth retrying (DNS trouble). */
export class RouteError extends Error {
  constructor(
    readonly permanent: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'RouteError';
  }
}

/**
 * The hosts to try for `domain`, best first: `smtp.relay` when set, else the MX records
 * (RFC 5321 §5.1; the domain itself when it has none), each resolved to addresses through the
 * injected resolver. `mxPort` is 25 except in tests, where the "Internet" listens elsewhere.
 */
export async function routesFor(domain: string, config: Config, resolver: DnsResolver, mxPort: number): Promise<OutboundRoute[]> {
  const relay = config.smtp.relay === '' ? null : parseHostPort(config.smtp.relay);
  if (relay) return [{ host: relay.host, port: relay.port, servername: relay.host }];
  let exchanges: string[];
  try {
    const records = (await resolver(domain, 'MX')) as Array<{ exchange: string; priority: number }>;
    exchanges = [...records].sort((a, b) => a.priority - b.priority).map((r) => r.exchange);
  } catch (err) {
    if (!isNoSuchRecord(err)) throw new RouteError(false, `DNS lookup of MX for ${domain} failed: ${errorCode(err)}`);
    exchanges = [domain];
  }
  // RFC 7505: a single "." MX says the domain accepts no mail.
  if (exchanges.length === 1 && (exchanges[0] === '' || exchanges[0] === '.')) throw new RouteError(true, `556 5.1.10 ${domain} does not accept mail (null MX)`);
  const routes: OutboundRoute[] = [];
  for (const exchange of exchanges) {
    for (const address of await addressesOf(exchange, resolver)) routes.push({ host: address, port: mxPort, servername: exchange });
  }
  if (routes.length === 0) throw new RouteError(false, `no address for the mail servers of ${domain}`);
  return routes;
}

async function addressesOf(host: string, resolver: DnsResolver): Promise<string[]> {
  if (isIP(host)) return [host];
  const addresses: string[] = [];
  for (const rrtype of ['A', 'AAAA']) {
    try {
      addresses.push(...((await resolver(host, rrtype)) as string[]));
    } catch (err) {
      if (!isNoSuchRecord(err)) throw new RouteError(false, `DNS lookup of ${host} failed: ${errorCode(err)}`);
    }
  }
  return addresses;
}

function isNoSuchRecord(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? String(err);
}

interface SmtpSendError extends Error {
  responseCode?: number;
  response?: string;
  recipient?: string;
  rejectedErrors?: SmtpSendError[];
}

/**
 * The production transport: nodemailer, one connection per attempt, EHLO with our hostname,
 * STARTTLS whenever the server offers it. Opportunistic TLS (RFC 7435) does not verify the
 * certificate — as every MTA without DANE/MTA-STS does — but is never skipped when offered.
 */
export function nodemailerTransport(hostname: string, timeoutMs: number): OutboundTransport {
  return async (route, envelope, message) => {
    const transport = nodemailer.createTransport({
      host: route.host,
      port: route.port,
      secure: false,
      name: hostname,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      tls: { servername: isIP(route.servername) ? undefined : route.servername, rejectUnauthorized: false },
    });
    const outcomes = new Map<string, RecipientOutcome>();
    try {
      // The size comes from the queue row, so MAIL FROM carries SIZE= (RFC 1870 §6) without the
      // message being read first: nodemailer hands the envelope's other keys to SMTPConnection.send,
      // which reads `size`. The stream goes to the socket with backpressure.
      // BODY=8BITMIME whenever the server offers it (nodemailer adds it only then): officials write
      // Vietnamese in UTF-8 and we relay the bytes as they came, and RFC 6152 §3 lets the parameter
      // declare a body that may hold 8-bit octets, so a 7-bit body under it is still right.
      const sendEnvelope = { from: envelope.from, to: [...envelope.to], size: message.size, use8BitMime: true };
      const info = await transport.sendMail({ envelope: sendEnvelope, raw: message.stream });
      for (const address of info.accepted as string[]) outcomes.set(address.toLowerCase(), { kind: 'delivered', response: info.response });
      for (const err of (info as { rejectedErrors?: SmtpSendError[] }).rejectedErrors ?? []) recordRejection(outcomes, err);
    } catch (error) {
      const err = error as SmtpSendError;
      for (const rejected of err.rejectedErrors ?? []) recordRejection(outcomes, rejected);
      const whole: RecipientOutcome = isPermanent(err) ? { kind: 'failed', error: describe(err) } : { kind: 'deferred', error: describe(err) };
      for (const address of envelope.to) if (!outcomes.has(address.toLowerCase())) outcomes.set(address.toLowerCase(), whole);
    } finally {
      message.stream.destroy();
      transport.close();
    }
    return outcomes;
  };
}

function recordRejection(outcomes: Map<string, RecipientOutcome>, err: SmtpSendError): void {
  if (!err.recipient) return;
  outcomes.set(err.recipient.toLowerCase(), isPermanent(err) ? { kind: 'failed', error: describe(err) } : { kind: 'deferred', error: describe(err) });
}

/** RFC 5321 §4.2.1: 5yz is permanent; no reply at all (network trouble) is worth retrying. */
function isPermanent(err: SmtpSendError): boolean {
  return typeof err.responseCode === 'number' && err.responseCode >= 500;
}

function describe(err: SmtpSendError): string {
  return (err.response ?? err.message).replace(/\s*\r?\n\s*/g, ' ');
}
