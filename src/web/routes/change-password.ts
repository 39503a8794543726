import type { FastifyInstance } from 'fastify';
import type { FieldError } from '../form-fields.js';
import { changePasswordPage, fieldOfRefusal, formProblem } from '../pages/change-password.js';
import { clientIdOf, formOf, seeOther, sendPage, setSession, signedInSession, viewerOf, type WebState } from '../state.js';
import { PATHS } from '../urls.js';

/**
 * The password change page (docs/architecture.md "Password lifecycle"): open to a full session and to one signed in with a
 * password that must be changed. Each refusal is shown next to the field it is about. On
 * success the session is replaced (new id, new CSRF token) by a full one, opened with the new
 * password, and every other session of the person ends (the directory emits 'changed').
 */
export function changePasswordRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx, sessions } = state;
  const domain = ctx.config.server.domain;

  app.get(PATHS.changePassword, async (request, reply) => {
    const session = signedInSession(request, reply, true);
    if (!session?.user) return reply;
    return sendPage(reply, 200, changePasswordPage({ domain, viewer: viewerOf(session)!, address: session.user.person, errors: [] }));
  });

  app.post(PATHS.changePassword, async (request, reply) => {
    const session = signedInSession(request, reply, true);
    if (!session?.user) return reply;
    const user = session.user;
    const form = formOf(request);
    const current = form['current'] ?? '';
    const next = form['new'] ?? '';
    const confirm = form['confirm'] ?? '';
    const refuse = (status: number, errors: FieldError[]) =>
      sendPage(reply, status, changePasswordPage({ domain, viewer: viewerOf(session)!, address: user.person, errors }));

    const errors: FieldError[] = [];
    if (current === '') errors.push(formProblem('missing-current'));
    if (next === '') errors.push(formProblem('missing-new'));
    else if (next !== confirm) errors.push(formProblem('mismatch'));
    if (errors.length > 0) return refuse(422, errors);

    const login = { protocol: 'web' as const, ip: request.ip, clientId: clientIdOf(request) };
    // A wrong current password is a guess like a wrong sign-in: the directory throttles both per IP alike.
    const result = await ctx.directory.changePassword(user.person, current, next, login);
    if (!result.ok && result.reason === 'busy') {
      // RFC 6585 §4: nothing was checked; the browser may send the form again in a moment.
      reply.header('retry-after', '1');
      return refuse(429, [{ field: fieldOfRefusal(result.reason), message: result.message }]);
    }
    if (!result.ok) return refuse(422, [{ field: fieldOfRefusal(result.reason), message: result.message }]);
    const signedIn = await ctx.directory.verifyLogin(user.person, next, login);
    if (!signedIn.ok) {
      // Changed, but the new password does not open a session (the unit was suspended meanwhile…): sign in again.
      sessions.destroy(session.id);
      return seeOther(reply, PATHS.signIn);
    }
    const { identity } = signedIn;
    setSession(state, reply, sessions.rotate(session.id, { person: identity.person, displayName: identity.displayName, identity }));
    return seeOther(reply, `${PATHS.search}?thong-bao=da-doi-mat-khau`);
  });
}
