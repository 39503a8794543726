import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { logins } from '../../metrics.js';
import { SIGN_IN_NOTICES, signInPage, type SignInProblem } from '../pages/sign-in.js';
import { clearSession, clientIdOf, formOf, homeOf, seeOther, sendPage, setSession, type WebState } from '../state.js';
import { PATHS } from '../urls.js';

/** HTTP status of each refusal: 429 when waiting helps, 403 otherwise. */
const STATUS: Readonly<Record<Exclude<SignInProblem, 'expired'>, number>> = {
  'missing-login': 400,
  'missing-password': 400,
  'bad-credentials': 403,
  retired: 403,
  suspended: 403,
  locked: 429,
  busy: 429,
};

/**
 * Sign-in and sign-out. The form is served with an anonymous session (it carries the CSRF
 * token); a successful sign-in replaces that session by a new one with a new id, so an id a
 * third party planted in the browser is useless afterwards (session fixation).
 */
export function signInRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx, sessions } = state;
  const hostname = ctx.config.server.hostname;
  const domain = ctx.config.server.domain;

  app.get(PATHS.home, async (request, reply) => {
    const lookup = request.webSession;
    return seeOther(reply, lookup.state === 'active' && lookup.session.user ? homeOf(lookup.session) : PATHS.signIn);
  });

  app.get<{ Querystring: { 'thong-bao'?: string } }>(PATHS.signIn, async (request, reply) => {
    const lookup = request.webSession;
    if (lookup.state === 'active' && lookup.session.user) return seeOther(reply, homeOf(lookup.session));
    let session = lookup.state === 'active' ? lookup.session : null;
    if (!session) {
      session = sessions.createAnonymous();
      setSession(state, reply, session);
    }
    const noticeKey = lookup.state === 'expired' ? 'het-han' : request.query['thong-bao'];
    const notice = noticeKey === undefined ? undefined : SIGN_IN_NOTICES[noticeKey];
    return sendPage(reply, 200, signInPage({ domain, hostname, csrfToken: session.csrfToken, ...(notice ? { notice } : {}) }));
  });

  app.post(PATHS.signIn, async (request, reply) => {
    // The CSRF hook has checked that this is an active session.
    if (request.webSession.state !== 'active') throw new Error('sign-in without a session passed the CSRF check');
    const session = request.webSession.session;
    const form = formOf(request);
    const login = (form['login'] ?? '').trim();
    const password = form['password'] ?? '';
    const refuse = (problem: Exclude<SignInProblem, 'expired'>) =>
      sendPage(reply, STATUS[problem], signInPage({ domain, hostname, csrfToken: session.csrfToken, login, problem }));

    if (login === '') return refuse('missing-login');
    if (password === '') return refuse('missing-password');
    const result = await ctx.directory.verifyLogin(login, password, { protocol: 'web', ip: request.ip, clientId: clientIdOf(request) });
    logins.inc({ protocol: 'web', result: result.ok ? 'ok' : result.reason });
    if (result.ok) {
      const { identity } = result;
      setSession(state, reply, sessions.rotate(session.id, { person: identity.person, displayName: identity.displayName, identity }));
      return seeOther(reply, PATHS.search);
    }
    if (result.reason === 'expired' && result.person) {
      // docs/architecture.md "Password lifecycle": the given password opens the change page and nothing else.
      const displayName = ctx.directory.displayName(result.person) ?? result.person;
      setSession(state, reply, sessions.rotate(session.id, { person: result.person, displayName, identity: null }));
      return seeOther(reply, PATHS.changePassword);
    }
    // RFC 6585 §4: nothing was checked, the queue of password checks was full or the turn did not come in time (directory/check-queue.ts).
    if (result.reason === 'busy') reply.header('retry-after', '1');
    // Honour the directory's throttling: the answer comes late (after a wrong password, the address's next check waits as long).
    if (result.delayMs > 0) await sleep(result.delayMs);
    return refuse(result.reason === 'expired' ? 'bad-credentials' : result.reason);
  });

  app.post(PATHS.signOut, async (request, reply) => {
    if (request.webSession.state === 'active') sessions.destroy(request.webSession.session.id);
    clearSession(state, reply);
    return seeOther(reply, `${PATHS.signIn}?thong-bao=da-dang-xuat`);
  });
}
