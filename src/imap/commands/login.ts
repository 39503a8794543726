import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config/index.js';
import { passwordChangeUrl } from '../../config/index.js';
import type { LoginFailure } from '../../directory/index.js';
import { logins } from '../../metrics.js';
import { plaintextAuthAllowed } from '../capabilities.js';
import { ImapError, refuse } from '../errors.js';
import type { Session } from '../session.js';
import type { CommandHandler, Completion } from './handler.js';

/** RFC 5530 §3 codes for each refusal. */
function loginRefusal(reason: LoginFailure, config: Config): ImapError {
  switch (reason) {
    case 'bad-credentials':
    case 'retired':
      return refuse('AUTHENTICATIONFAILED', 'Invalid credentials');
    case 'suspended':
      return refuse('AUTHENTICATIONFAILED', 'Mail service for your unit is suspended; contact the IT centre');
    case 'expired':
      return refuse('EXPIRED', `Your password must be changed first: ${passwordChangeUrl(config)}`);
    case 'locked':
      return refuse('AUTHENTICATIONFAILED', 'Too many failed logins; try again later');
    case 'busy':
      // Nothing was checked: a temporary condition, not a wrong password the client should ask the user about.
      return refuse('UNAVAILABLE', 'Too many logins at once from your address; try again in a moment');
    default: {
      const unknown: never = reason;
      throw new Error(`unhandled login failure ${String(unknown)}`);
    }
  }
}

/**
 * Checks a user name and password with the directory and moves the session to the authenticated
 * state, for LOGIN and AUTHENTICATE PLAIN alike. Failures wait `delayMs` first (throttling) and
 * answer with RFC 5530 codes.
 */
export async function completeLogin(session: Session, login: string, password: string): Promise<Completion> {
  requirePrivacy(session);
  const result = await session.whileServerWorks(
    session.ctx.directory.verifyLogin(login, password, {
      protocol: 'imap',
      ip: session.remoteAddress,
      ...(session.clientId ? { clientId: session.clientId } : {}),
    }),
  );
  logins.inc({ protocol: 'imap', result: result.ok ? 'ok' : result.reason });
  if (!result.ok) {
    session.log.info({ reason: result.reason }, 'login failed');
    if (result.delayMs > 0) await session.whileServerWorks(sleep(result.delayMs));
    throw loginRefusal(result.reason, session.ctx.config);
  }
  if (!session.authenticated(result.identity)) {
    throw refuse('LIMIT', `Too many connections for this user (at most ${session.ctx.config.imap.max_connections_per_user})`);
  }
  session.log.info('login');
  await session.ctx.store.ensureAccount(result.identity.account);
  return { code: `CAPABILITY ${session.capabilities().join(' ')}`, text: 'Logged in' };
}

/** RFC 3501 §7.2.1 LOGINDISABLED: no password over a connection without TLS (unless the config allows it). */
export function requirePrivacy(session: Session): void {
  if (!plaintextAuthAllowed(session.ctx.config, session)) {
    throw refuse('PRIVACYREQUIRED', 'Use STARTTLS before logging in');
  }
}

/** RFC 3501 §6.2.3 */
export const login: CommandHandler = async (session, { args }) => {
  args.space();
  const user = args.astringText();
  args.space();
  const password = args.astringText();
  args.end();
  if (user === '' || password === '') throw new ImapError('BAD', null, 'LOGIN needs a user name and a password');
  return completeLogin(session, user, password);
};
