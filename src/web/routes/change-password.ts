import type { FastifyInstance } from 'fastify';
import type { FieldError } from '../form-fields.js';
import { changePasswordPage, fieldOfRefusal, formProblem } from '../pages/change-password.js';
import { clientIdOf, formOf, seeOther, sendPage, setSession, signedInSession, viewerOf, type WebState } from '../state.js';
import { PATHS } from '../urls.js';

/**
 * The password change page (issue 7): open to a full session and to one signed in with a
 * password that must be changed. Each refusal is shown next to the field it is about. On
 * success the session is replaced (new id, new CSRF token) by a full one, opened with the new
 * password, and every other session of the person ends (the directory emits 'changed').
 */
export function changePasswordRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx, sessions, gate } = state;
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

    // A wrong current password is a guess like a wrong sign-in: the same per-IP gate applies.
    const release = gate.enter(request.ip);
    if (!release) {
      reply.header('retry-after', '1');
      return refuse(429, [{ field: 'mat-khau-hien-tai', message: 'Có quá nhiều yêu cầu cùng lúc từ máy của bạn. Vui lòng đợi vài giây rồi thử lại.' }]);
    }
    try {
      const login = { protocol: 'web' as const, ip: request.ip, clientId: clientIdOf(request) };
      const result = await ctx.directory.changePassword(user.person, current, next, login);
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
    } finally {
      release();
    }
  });
}
