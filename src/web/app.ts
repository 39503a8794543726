import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { MailboxChange } from '../store/index.js';
import { parseCookies, sessionCookieName } from './cookies.js';
import { AddressBooks } from './carddav/address-books.js';
import { addWebDavMethods, carddavRoutes } from './carddav/routes.js';
import { CSRF_FIELD, csrfTokenMatches } from './csrf.js';
import { DirectoryCache } from './directory-cache.js';
import { messagePage } from './pages/message.js';
import { changePasswordRoutes } from './routes/change-password.js';
import { clientSetupRoutes } from './routes/client-setup.js';
import { directoryRoutes } from './routes/directory.js';
import { mailRulesRoutes } from './routes/mail-rules.js';
import { unitMailboxRoutes } from './routes/unit-mailbox.js';
import { publicRoutes } from './routes/public.js';
import { signInRoutes } from './routes/sign-in.js';
import { SessionStore, type SessionUser } from './sessions.js';
import { errorStatus, formOf, sendPage, viewerOf, type WebState } from './state.js';
import { PATHS, servedOverHttps } from './urls.js';

/**
 * The officials' self-service site (DESIGN.md "Protocols", HTTP): sign-in, password change, directory search and
 * vCard, out-of-office and mail rules (Sieve), the unit mailbox page, the CardDAV address books (carddav/), the
 * setup guide, Thunderbird autoconfig, Outlook Autodiscover and the Apple profile, /healthz and /metrics. Invariants:
 * - plain server-rendered HTML in Vietnamese, usable without JavaScript; no script is allowed
 *   by the CSP at all;
 * - every POST carries the session's CSRF token or is refused with 403 before its handler runs,
 *   except a route marked `sessionless` (Autodiscover: it changes nothing and is no one's session);
 * - every change of privilege gets a new session id (sessions.ts);
 * - after any directory change, in this process or by the CLI, signed-in sessions are re-checked
 *   with directory.revalidate, so a password reset, retirement or unit suspension ends them at once.
 */

/** A form is a few short fields; anything bigger is not one of ours. */
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * default-src 'none': no script, frame, font or connection; the stylesheet is ours; forms post
 * only to us; no one may frame the page (clickjacking on the password form).
 */
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** `now`: the server's clock (ServerOptions.clock), which session timeouts are measured on. */
export function buildWebApp(ctx: AppContext, now: () => number): FastifyInstance {
  const state: WebState = {
    ctx,
    sessions: new SessionStore({ idleMs: ctx.config.http.session_idle, absoluteMs: ctx.config.http.session_lifetime, now }),
    cookies: { secure: servedOverHttps(ctx.config) },
    directory: new DirectoryCache(() => ctx.directory.listEntries()),
    addressBooks: new AddressBooks({
      entries: () => ctx.directory.listEntries(),
      suspendedUnits: () => ctx.directory.suspendedUnits(),
      record: (books) => ctx.directory.recordAddressBooks(books),
    }),
  };
  const domain = ctx.config.server.domain;
  const cookieName = sessionCookieName(state.cookies);

  const app = Fastify({
    loggerInstance: ctx.logger.child({ proto: 'web' }) as FastifyBaseLogger,
    // One debug line per request below instead of Fastify's two info lines (which carry query strings).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: FORM_BODY_LIMIT,
    requestTimeout: 30_000,
    return503OnClosing: true,
    // Behind the city's reverse proxy every request comes from the proxy: believe its
    // X-Forwarded-For, and nobody else's (a client could write anything there).
    trustProxy: ctx.config.http.trusted_proxies.length > 0 ? [...ctx.config.http.trusted_proxies] : false,
  });

  addWebDavMethods(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // Fastify wants null for a decorated object (a shared default object would leak between requests).
  app.decorateRequest('webSession', null as never);
  app.addHook('onRequest', async (request) => {
    request.webSession = state.sessions.lookup(parseCookies(request.headers.cookie).get(cookieName));
  });

  // Synchronizer-token check of every POST (csrf.ts): missing, forged or from an ended session → 403.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.routeOptions.config.sessionless === true) return;
    const lookup = request.webSession;
    if (lookup.state === 'active' && csrfTokenMatches(lookup.session.csrfToken, formOf(request)[CSRF_FIELD])) return;
    const expired = lookup.state === 'expired';
    request.log.info({ path: request.url, session: lookup.state }, 'POST refused: CSRF token missing or wrong');
    return sendPage(
      reply,
      403,
      messagePage({
        domain,
        viewer: lookup.state === 'active' ? viewerOf(lookup.session) : null,
        title: expired ? 'Phiên làm việc đã hết hạn' : 'Yêu cầu bị từ chối',
        text: expired
          ? 'Phiên làm việc đã hết hạn nên biểu mẫu không được gửi đi. Vui lòng đăng nhập lại.'
          : 'Biểu mẫu không có mã bảo vệ hợp lệ, nên yêu cầu không được thực hiện. Hãy mở lại trang và gửi lại biểu mẫu.',
        link: { href: PATHS.signIn, label: 'Về trang đăng nhập' },
      }),
    );
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
    if (state.cookies.secure) reply.header('strict-transport-security', 'max-age=31536000');
    // Pages show names, phone numbers and forms with tokens: never kept in a shared cache.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    request.log.debug({ method: request.method, path: request.routeOptions.url ?? 'unknown', status: reply.statusCode }, 'request');
  });

  app.setNotFoundHandler(async (request, reply) =>
    sendPage(
      reply,
      404,
      messagePage({
        domain,
        viewer: request.webSession?.state === 'active' ? viewerOf(request.webSession.session) : null,
        title: 'Không tìm thấy trang',
        text: 'Địa chỉ này không có trang nào.',
        link: { href: PATHS.home, label: 'Về trang chính' },
      }),
    ),
  );

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    const status = errorStatus(error);
    if (status === 500) request.log.error({ err: error }, 'web request failed');
    return sendPage(
      reply,
      status,
      messagePage({
        domain,
        viewer: null,
        title: status === 500 ? 'Lỗi máy chủ' : 'Yêu cầu không hợp lệ',
        text: status === 500 ? 'Máy chủ gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau ít phút.' : 'Máy chủ không hiểu yêu cầu này.',
        link: { href: PATHS.home, label: 'Về trang chính' },
      }),
    );
  });

  /**
   * After a directory change the cached directory is dropped and sessions are re-checked.
   * `account`: the person or unit a change in this process was about. null: another process (the
   * CLI) committed something, we do not know what, so every full session is re-checked.
   */
  const recheck = (account: string | null): void => {
    state.directory.invalidate();
    state.addressBooks.invalidate();
    state.sessions.recheck((user: SessionUser) => {
      // A must-change session holds no identity to re-check: a change to that person ends it.
      if (user.identity === null) return user.person === account ? null : user;
      const identity = ctx.directory.revalidate(user.identity);
      if (identity === null) return null;
      return identity === user.identity ? user : { ...user, identity, displayName: identity.displayName };
    });
  };
  const onDirectoryChange = (account: string): void => recheck(account);
  const onStoreChange = (change: MailboxChange): void => {
    if (change.kind === 'external') recheck(null);
  };
  ctx.directory.events.on('changed', onDirectoryChange);
  ctx.store.events.on('change', onStoreChange);
  app.addHook('onClose', async () => {
    ctx.directory.events.off('changed', onDirectoryChange);
    ctx.store.events.off('change', onStoreChange);
  });

  publicRoutes(app, state);
  signInRoutes(app, state);
  changePasswordRoutes(app, state);
  directoryRoutes(app, state);
  mailRulesRoutes(app, state);
  clientSetupRoutes(app, state);
  unitMailboxRoutes(app, state);
  carddavRoutes(app, state);
  return app;
}
