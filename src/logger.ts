import pino, { type Logger } from 'pino';
import type { Config } from './config/index.js';

/**
 * One JSON logger for the process; listeners make a child per connection ({cid, proto, user}).
 * Passwords and message bodies are never logged: the redact list is a second line of defence.
 */
export function createLogger(config: Config, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.server.log_level,
    // `server`, not `host`: listeners log the peer's or their own bind `host` on the same line.
    base: { server: config.server.hostname },
    redact: { paths: ['password', '*.password', 'pass', '*.pass'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
