import type net from 'node:net';
import type tls from 'node:tls';
import type { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/**
 * When the greeting goes out (DESIGN.md "Config" `[smtp] greeting_delay`).
 *
 * smtp-server (3.21) waits a fixed 100 ms in `SMTPConnection.init()` before `connectionReady()`
 * sends the greeting, to catch clients that talk first; no option changes it. On an MX that is
 * fed by many short connections the pause is the throughput (10 sessions: at most ~90 msg/s), so
 * this subclass replaces only `init()`, keeping the library's body otherwise, and
 * `SmtpListener.connect` builds it in place of the library's class:
 * - `greeting_delay` > 0: the pause, as a spam defence the admin chose (Postfix's postscreen
 *   "pregreet" test does the same with its greet wait);
 * - 0 (default, and always on submission): the greeting after one turn of the event loop
 *   (two `setImmediate`s put one poll phase between accepting the socket and writing the
 *   greeting). Bytes the client sent before it could have seen a greeting are already in the
 *   socket then, get read first, and smtp-server answers them "421 You talk too soon" as it does
 *   after its pause (RFC 5321 §4.3.1: the client waits for the greeting) — pre-greeting talkers
 *   are still caught, and nobody is held for a fixed time.
 * Upstream compatibility: `_setListeners`, `connectionReady` and `maxClients` are used as
 * smtp-server's own init() uses them; its typings declare them public.
 */
export class GreetingConnection extends SMTPConnection {
  constructor(
    server: SMTPServer,
    socket: net.Socket | tls.TLSSocket,
    options: ConstructorParameters<typeof SMTPConnection>[2],
    private readonly greetingDelayMs: number,
  ) {
    super(server, socket, options);
  }

  override init(): void {
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      if (this.greetingDelayMs > 0) {
        setTimeout(() => this.connectionReady(), this.greetingDelayMs).unref();
      } else {
        setImmediate(() => setImmediate(() => this.connectionReady()));
      }
    });
  }
}
