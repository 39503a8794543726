import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';

/**
 * One JSON logger for the process; listeners make a child per connection ({cid, proto, user}).
 * Passwords and message bodies are never logged: the redact list is a second line of defence.
 * By default lines go to stdout without the event loop waiting for the write (a write per line
 * was 2–3 % of the served MX's main thread, bench/smtp-served.ts --profile): libuv's thread pool
 * writes them, lines logged meanwhile leave together, and pino writes what is left as the process
 * exits. A `kill -9` may lose the last lines, never a message.
 */
export function createLogger(config: Config, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.server.log_level,
    // `server`, not `host`: listeners log the peer's or their own bind `host` on the same line.
    base: { server: config.server.hostname },
    redact: { paths: ['password', '*.password', 'pass', '*.pass'], censor: '[redacted]' },
  };
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
