import type net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { Cidr } from '../config/index.js';
import { acceptProxyProtocol, acknowledgeUnansweredReads, inheritProxiedPeer } from '../tcp/index.js';
import { withoutVietnameseMarks } from '../text/index.js';
import { GreetingConnection } from './greeting.js';
import { ENHANCED_CODE_PREFIX } from './reply.js';

export interface ListenerRules {
  /** `[smtp] max_commands_before_data`. */
  readonly maxCommandsBeforeData: number;
  /** `[smtp] greeting_delay` on the MX, 0 on submission (greeting.ts). */
  readonly greetingDelayMs: number;
  /** `[smtp] proxy_protocol_from`: load balancers whose connections start with a PROXY header. */
  readonly proxyProtocolFrom: readonly Cidr[];
}

/**
 * smtp-server with reply rules it does not have itself, applied to every connection's `send`:
 * - every reply printable ASCII, with an RFC 3463 code where RFC 2034 wants one (sendPrintable);
 * - AUTH is not announced in EHLO before TLS (RFC 4954 §4: no plaintext passwords in clear) and
 *   AUTH before STARTTLS is answered `530 5.7.0` (RFC 3207 §4), not the library's 538;
 * - after `maxCommandsBeforeData` replies without a completed DATA the client is told
 *   `421 4.7.0` and disconnected (directory harvesting, NOOP floods);
 * with our greeting timing (greeting.ts) instead of the library's fixed 100 ms pause;
 * and one transport rule: the DATA body is acknowledged as it is read, not after a delayed ACK
 * (src/tcp, docs/tcp-delayed-ack.md) — on the plain socket, and on the TLS socket that replaces
 * it after STARTTLS, which smtp-server hands to onSecure (smtps too).
 *
 * The PROXY protocol header is ours too (src/tcp/proxy-protocol.ts), read before smtp-server's
 * accept path: its own `useProxy` reads version 1 only, and HAProxy's checks and `send-proxy-v2`
 * speak version 2. The session then takes the client address from the socket as usual.
 */
export class SmtpListener extends SMTPServer {
  constructor(
    options: SMTPServerOptions,
    private readonly rules: ListenerRules,
    log: Logger,
  ) {
    super({ ...options, logger: libraryLogger(log) });
    acceptProxyProtocol(this.server, { trusted: rules.proxyProtocolFrom, log });
    // Called directly: smtp-server wraps the logger it is given in one that copies every entry
    // into a new object (nodemailer's _logFunc) before the level is even looked at, for each of
    // the dozen lines a one-message connection logs; pino takes the same (fields, message, ...args).
    this.logger = libraryLogger(log.child({ component: 'smtp-server' })) as unknown as SMTPServer['logger'];
    // smtp-server re-emits connection errors (a client resetting mid-transaction) on the server;
    // without a listener that 'error' event would end the process.
    this.on('error', (err: NodeJS.ErrnoException) => log.warn({ err: { message: err.message, code: err.code } }, 'SMTP connection error'));
    const onSecure = this.onSecure.bind(this);
    this.onSecure = (socket, session, callback) =>
      onSecure(socket, session, (err) => {
        // After the callback, which pipes the TLS socket into the parser (see connect below).
        callback(err);
        if (!err) acknowledgeUnansweredReads(socket);
      });
  }

  /** smtp-server's own connect(), building a GreetingConnection with our replies before init() runs. */
  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    // smtps: smtp-server made this TLS socket over the accepted one, whose address the header may have set.
    if ('encrypted' in socket) inheritProxiedPeer(socket);
    const connection = new GreetingConnection(this, socket, socketOptions, this.rules.greetingDelayMs);
    adaptReplies(connection, this.rules.maxCommandsBeforeData);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data: Parameters<SMTPServer['_onClientConnect']>[0]) => this._onClientConnect(data));
    connection.init();
    // After init(): smtp-server has piped the socket into its parser, so our 'data' listener
    // does not start the flow of data before the parser is there.
    acknowledgeUnansweredReads(socket);
  }
}

function adaptReplies(connection: SMTPConnection, maxCommandsBeforeData: number): void {
  const send = sendPrintable(connection);
  let replies = 0;
  let awaitingDataReply = false;
  connection.send = (code, data, context) => {
    if (code === 354) {
      awaitingDataReply = true;
    } else if (awaitingDataReply) {
      awaitingDataReply = false;
      replies = 0;
    } else if (code !== 334 && ++replies > maxCommandsBeforeData) {
      send(421, '4.7.0 Too many commands without a message, closing connection', false);
      return;
    }
    if (code === 250 && Array.isArray(data) && !connection.secure) {
      send(code, data.filter((line) => !/^AUTH\b/i.test(line)), context);
      return;
    }
    if (code === 538) {
      send(530, '5.7.0 Must issue a STARTTLS command first', false);
      return;
    }
    send(code, data, context);
  };
}

// smtp-server's context values for which it leaves out the enhanced code (RFC 2034 §3: the
// greeting and the replies to HELO/EHLO have none).
const UNCODED_CONTEXTS = new Set(['HELO', 'EHLO', 'LHLO']);

/**
 * The single way out of a connection, wrapped so that every reply:
 * - is printable US-ASCII (RFC 5321 §4.2: reply text is ASCII; filter configuration may hold
 *   Vietnamese, which loses its marks, anything else becomes "?");
 * - keeps an RFC 3463 code it already starts with (SmtpReply) instead of getting the library's
 *   guess from the reply code prepended;
 * - carries an enhanced code when it is a failure (RFC 2034 §3): the library leaves it out of an
 *   error answered to EHLO/HELO, such as its early-talker "421 You talk too soon", and of a few
 *   it sends with no context, such as "501 Bad hostname syntax". Success replies to HELO/EHLO and
 *   the greeting keep none, as RFC 2034 says.
 */
function sendPrintable(connection: SMTPConnection): SMTPConnection['send'] {
  const send = connection.send.bind(connection);
  return (code, data, context) => {
    if (Array.isArray(data)) {
      send(code, data.map(printableText), context);
      return;
    }
    const text = printableText(data);
    if (ENHANCED_CODE_PREFIX.test(text)) send(code, text, false);
    else if (code >= 400 && (context === false || (typeof context === 'string' && UNCODED_CONTEXTS.has(context)))) send(code, text);
    else send(code, text, context);
  };
}

function printableText(text: string | null | undefined): string {
  // Nearly every reply is printable ASCII already: one test instead of folding it (a reply per command).
  if (text && PRINTABLE_ASCII.test(text)) return text;
  return withoutVietnameseMarks(text ?? '')
    .normalize('NFC')
    .replace(/[^\x20-\x7e]/g, '?');
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

const SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/**
 * smtp-server's logger, at the levels STYLE.md "Logs" asks for: one line per message at info is
 * ours (inbound.ts), so the library's per-connection lines ("Connection from", "Connection
 * closed", at info) go to debug — at one connection per message they tripled the log and its
 * synchronous writes. It logs every socket error at error level; a client that drops its
 * connection is routine on the Internet, so those go to debug too and the error level stays for
 * real faults.
 */
function libraryLogger(log: Logger): Logger {
  const error = log.error.bind(log);
  const debug = log.debug.bind(log);
  return Object.assign(Object.create(log) as Logger, {
    info: debug,
    error: (first: unknown, ...rest: unknown[]) => {
      const code = (first as { err?: NodeJS.ErrnoException } | null)?.err?.code;
      if (code && SOCKET_ERRORS.has(code)) debug(first as object, ...(rest as [string]));
      else error(first as object, ...(rest as [string]));
    },
  });
}
