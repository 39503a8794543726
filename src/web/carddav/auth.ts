import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyRequest } from 'fastify';
import { localPartOf } from '../../directory/index.js';
import { logins } from '../../metrics.js';
import { isLoopbackAddress, isLoopbackClient } from '../../tcp/index.js';
import { clientIdOf, type WebState } from '../state.js';
import { DavError } from './errors.js';
import type { Viewer } from './properties.js';

/**
 * Who a CardDAV request comes from. A browser signed in to the site brings its session cookie
 * (sessions.ts); an address-book app sends HTTP Basic (RFC 7617) on every request, checked by
 * `DirectoryService.verifyLogin` (protocol "carddav"): the same argon2 check, login cache,
 * throttle and audit as IMAP and LDAP bind. A password is taken only over HTTPS (our TLS
 * listener, or the trusted proxy's X-Forwarded-Proto) or on loopback with
 * `[imap] allow_plaintext_auth`, as on the other listeners.
 */

export const BASIC_CHALLENGE = 'Basic realm="cantho-mail CardDAV", charset="UTF-8"';

export async function authenticate(request: FastifyRequest, state: WebState): Promise<Viewer> {
  const lookup = request.webSession;
  if (lookup.state === 'active' && lookup.session.user?.identity) {
    const { identity } = lookup.session.user;
    return { user: localPartOf(identity.person), displayName: identity.displayName };
  }
  const credentials = basicCredentials(request.headers.authorization);
  if (credentials === null) throw new DavError(401, 'sign in with your address and password');
  const { config } = state.ctx;
  // The socket's peer is this machine and no proxy (PROXY header or X-Forwarded-For) speaks for anyone else.
  const loopback = isLoopbackClient(request.raw.socket) && isLoopbackAddress(request.ip);
  const secure = request.protocol === 'https' || (config.imap.allow_plaintext_auth && loopback);
  if (!secure) throw new DavError(403, 'passwords are accepted over HTTPS only');
  const result = await state.ctx.directory.verifyLogin(credentials.login, credentials.password, {
    protocol: 'carddav',
    ip: request.ip,
    clientId: clientIdOf(request),
  });
  logins.inc({ protocol: 'carddav', result: result.ok ? 'ok' : result.reason });
  if (!result.ok) {
    if (result.delayMs > 0) await sleep(result.delayMs);
    throw new DavError(401, result.reason === 'expired' ? 'the password must be changed on the web page first' : 'wrong address or password');
  }
  return { user: localPartOf(result.identity.person), displayName: result.identity.displayName };
}

/** RFC 7617 §2: `Basic base64(user-id ":" password)`, UTF-8 (§2.1 charset); null when absent or malformed. */
function basicCredentials(header: string | undefined): { login: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header ?? '');
  if (match === null) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
