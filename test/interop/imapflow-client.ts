/**
 * imapflow (a client no one here wrote) connected the way a mail app connects to the README
 * server: plain port, STARTTLS, self-signed certificate accepted. A test can wait for a server
 * line (e.g. the "+" that confirms IDLE); the lines so far are in the timeout's message.
 */
import { ImapFlow } from 'imapflow';
import type { Official } from './readme-server.js';

export interface WatchedClient {
  readonly client: ImapFlow;
  /** Resolves when a server line matching `pattern` arrives after this call. */
  serverLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

export async function connectImapflow(port: number, official: Official): Promise<WatchedClient> {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onServerLine = (entry: unknown) => {
    const { src, msg } = (entry ?? {}) as { src?: string; msg?: unknown };
    if (src !== 's' || typeof msg !== 'string') return;
    lines.push(msg);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(msg)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(msg);
      }
    }
  };
  const quiet = () => undefined;
  const client = new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: official.address, pass: official.password },
    logger: { debug: onServerLine, info: onServerLine, warn: quiet, error: quiet },
  });
  await client.connect();
  return {
    client,
    serverLine(pattern, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no server line ${pattern} within ${timeoutMs} ms; got:\n${lines.join('\n')}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
