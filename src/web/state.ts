import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { AddressBooks } from './carddav/address-books.js';
import { clearedSessionCookie, sessionCookie, type CookiePolicy } from './cookies.js';
import type { DirectoryCache } from './directory-cache.js';
import type { Viewer } from './layout.js';
import type { SessionLookup, SessionStore, WebSession } from './sessions.js';
import { PATHS } from './urls.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session named by the request's cookie, looked up once in the onRequest hook. */
    webSession: SessionLookup;
  }
  interface FastifyContextConfig {
    /** A POST that belongs to no session (Autodiscover): no CSRF token is asked for (app.ts). */
    sessionless?: boolean;
  }
}

/** What every route of the site shares. */
export interface WebState {
  readonly ctx: AppContext;
  readonly sessions: SessionStore;
  readonly cookies: CookiePolicy;
  readonly directory: DirectoryCache;
  /** CardDAV's books (carddav/address-books.ts), dropped with the directory cache. */
  readonly addressBooks: AddressBooks;
}

export const HTML = 'text/html; charset=utf-8';

export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type(HTML).send(body);
}

/** RFC 9110 §15.4.4: 303 sends the browser to GET the target, also after a POST. */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, 303);
}

export function setSession(state: WebState, reply: FastifyReply, session: WebSession): void {
  reply.header('set-cookie', sessionCookie(state.cookies, session.id));
}

export function clearSession(state: WebState, reply: FastifyReply): void {
  reply.header('set-cookie', clearedSessionCookie(state.cookies));
}

export function viewerOf(session: WebSession): Viewer | null {
  if (!session.user) return null;
  return { displayName: session.user.displayName, csrfToken: session.csrfToken, mustChangePassword: session.user.identity === null };
}

/** Where a session belongs: the change page while the password must change, else the directory. */
export function homeOf(session: WebSession): string {
  return session.user?.identity === null ? PATHS.changePassword : PATHS.search;
}

/**
 * The signed-in session of a page, or null after answering with a redirect to the sign-in page
 * (with the "session expired" notice when it timed out). Unless `allowMustChange`, a session that
 * must change its password is sent to the change page.
 */
export function signedInSession(request: FastifyRequest, reply: FastifyReply, allowMustChange: boolean): WebSession | null {
  const lookup = request.webSession;
  if (lookup.state !== 'active' || lookup.session.user === null) {
    seeOther(reply, lookup.state === 'expired' ? `${PATHS.signIn}?thong-bao=het-han` : PATHS.signIn);
    return null;
  }
  if (!allowMustChange && lookup.session.user.identity === null) {
    seeOther(reply, PATHS.changePassword);
    return null;
  }
  return lookup.session;
}

/** The body of an `application/x-www-form-urlencoded` POST as parsed in app.ts. */
export function formOf(request: FastifyRequest): Readonly<Record<string, string>> {
  return (request.body ?? {}) as Record<string, string>;
}

/** For the audit log's client ID: what the browser says it is, bounded. */
export function clientIdOf(request: FastifyRequest): string | undefined {
  const agent = request.headers['user-agent'];
  return agent ? agent.slice(0, 200) : undefined;
}

/** The status an error thrown in a route is answered with: its own 4xx (Fastify's 413, 415, …), else 500. */
export function errorStatus(error: Error & { statusCode?: number }): number {
  return error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
}
