import type net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { ENHANCED_CODE_PREFIX } from './reply.js';

/**
 * smtp-server with three reply rules it does not have itself, applied to every connection's
 * `send`:
 * - a reply text that starts with its own RFC 3463 code (SmtpReply) is sent as is, instead of
 *   getting the library's guess from the reply code prepended;
 * - AUTH is not announced in EHLO before TLS (RFC 4954 §4: no plaintext passwords in clear) and
 *   AUTH before STARTTLS is answered `530 5.7.0` (RFC 3207 §4), not the library's 538;
 * - after `maxCommandsBeforeData` replies without a completed DATA the client is told
 *   `421 4.7.0` and disconnected (directory harvesting, NOOP floods).
 */
export class SmtpListener extends SMTPServer {
  private readonly adapted = new WeakSet<SMTPConnection>();

  constructor(
    options: SMTPServerOptions,
    private readonly maxCommandsBeforeData: number,
    log: Logger,
  ) {
    super({ ...options, logger: quietSocketErrors(log) });
    // smtp-server re-emits connection errors (a client resetting mid-transaction) on the server;
    // without a listener that 'error' event would end the process.
    this.on('error', (err: NodeJS.ErrnoException) => log.warn({ err: { message: err.message, code: err.code } }, 'SMTP connection error'));
  }

  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    super.connect(socket, socketOptions);
    for (const connection of this.connections) {
      if (this.adapted.has(connection)) continue;
      this.adapted.add(connection);
      adaptReplies(connection, this.maxCommandsBeforeData);
    }
  }
}

function adaptReplies(connection: SMTPConnection, maxCommandsBeforeData: number): void {
  const send = connection.send.bind(connection);
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
    if (typeof data === 'string' && ENHANCED_CODE_PREFIX.test(data)) {
      send(code, data, false);
      return;
    }
    send(code, data, context);
  };
}

const SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

/**
 * smtp-server logs every socket error at error level; a client that drops its connection is
 * routine on the Internet, so those go to debug and the error level stays for real faults.
 */
function quietSocketErrors(log: Logger): Logger {
  const error = log.error.bind(log);
  return Object.assign(Object.create(log) as Logger, {
    error: (first: unknown, ...rest: unknown[]) => {
      const code = (first as { err?: NodeJS.ErrnoException } | null)?.err?.code;
      if (code && SOCKET_ERRORS.has(code)) log.debug(first as object, ...(rest as [string]));
      else error(first as object, ...(rest as [string]));
    },
  });
}
