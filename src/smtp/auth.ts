import { setTimeout as sleep } from 'node:timers/promises';
import type { SMTPServerAuthentication, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/index.js';
import { passwordChangeUrl } from '../config/index.js';
import type { AppContext } from '../context.js';
import type { Identity, LoginFailure } from '../directory/index.js';
import { logins } from '../metrics.js';
import { SmtpReply } from './reply.js';

/**
 * AUTH PLAIN / LOGIN (RFC 4954, 4616) through the directory. The directory decides about
 * throttling; we wait the `delayMs` it asks for before answering, so a brute-force client gets
 * slower answers, not faster failures.
 */
export async function authenticateLogin(ctx: AppContext, auth: SMTPServerAuthentication, session: SMTPServerSession): Promise<Identity> {
  if (auth.method !== 'PLAIN' && auth.method !== 'LOGIN') throw new SmtpReply(504, '5.5.4', 'Unrecognized authentication type');
  // The EHLO name is the closest SMTP has to IMAP's ID: it names the client in the login audit (docs/architecture.md "Login protection").
  const clientId = session.hostNameAppearsAs ? `ehlo ${session.hostNameAppearsAs.slice(0, 200)}` : undefined;
  const result = await ctx.directory.verifyLogin(loginName(auth), auth.password ?? '', {
    protocol: 'smtp',
    ip: session.remoteAddress,
    ...(clientId ? { clientId } : {}),
  });
  logins.inc({ protocol: 'smtp', result: result.ok ? 'ok' : result.reason });
  if (result.ok) return result.identity;
  if (result.delayMs > 0) await sleep(result.delayMs);
  throw loginRefusal(result.reason, ctx.config);
}

/**
 * RFC 4616 §2: an authorization identity other than the authentication identity asks to act as
 * it, and must fail unless allowed; as in IMAP (src/imap/commands/authenticate.ts) it is the
 * `unit*person` login, which the directory grants only to the unit's head and delegates.
 */
function loginName(auth: SMTPServerAuthentication): string {
  const username = auth.username ?? '';
  const authzid = auth.method === 'PLAIN' ? (auth.authzid ?? '') : '';
  return authzid !== '' && authzid.toLowerCase() !== username.toLowerCase() ? `${authzid}*${username}` : username;
}

function loginRefusal(reason: LoginFailure, config: Config): SmtpReply {
  switch (reason) {
    case 'bad-credentials':
      return new SmtpReply(535, '5.7.8', 'Authentication credentials invalid');
    case 'retired':
      return new SmtpReply(535, '5.7.8', 'Authentication credentials invalid: this account is retired');
    case 'suspended':
      return new SmtpReply(535, '5.7.8', 'Authentication refused: the unit of this account is suspended, contact the administrator');
    case 'expired':
      return new SmtpReply(535, '5.7.8', `Password must be changed before use: ${passwordChangeUrl(config)}`);
    case 'locked':
      // RFC 4954 §6: 454 4.7.0 temporary authentication failure.
      return new SmtpReply(454, '4.7.0', 'Too many failed logins, try again later');
    case 'busy':
      // RFC 4954 §6: 454 4.7.0; nothing was checked, the client may retry at once.
      return new SmtpReply(454, '4.7.0', 'Too many logins at once from your address, try again in a moment');
    default: {
      const unknown: never = reason;
      throw new Error(`unhandled login failure ${String(unknown)}`);
    }
  }
}
