import type { FastifyInstance, FastifyReply } from 'fastify';
import { clientEndpoints } from '../../config/index.js';
import { AUTODISCOVER_CONTENT_TYPE, AutodiscoverError, autodiscoverErrorXml, autodiscoverSettings, requestedAddress } from '../autodiscover.js';
import { MOBILECONFIG_CONTENT_TYPE, mobileconfigFor } from '../mobileconfig.js';
import { setupGuidePage } from '../pages/setup-guide.js';
import { setupHandoutPage } from '../pages/setup-handout.js';
import { sendPage, signedInSession, viewerOf, type WebState } from '../state.js';
import { PATHS } from '../urls.js';

/** An Autodiscover request is one address in a few lines of XML; Outlook's are under 1 KiB. */
const AUTODISCOVER_BODY_LIMIT = 8 * 1024;

/**
 * One-step setup of mail programs: Outlook Autodiscover (autodiscover.ts), the Apple profile of
 * the signed-in official (mobileconfig.ts), and the setup guide with its printable handout.
 * Thunderbird autoconfig is served with the other public files (public.ts).
 */
export function clientSetupRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx } = state;
  const domain = ctx.config.server.domain;
  const endpoints = clientEndpoints(ctx.config);

  const answerAutodiscover = (reply: FastifyReply, address: () => string): FastifyReply => {
    let body: string;
    try {
      body = autodiscoverSettings(ctx.config, address());
    } catch (error) {
      if (!(error instanceof AutodiscoverError)) throw error;
      body = autodiscoverErrorXml(ctx.config, error);
    }
    // The documented answer to a request it cannot serve is still 200, with the Error element.
    return reply.code(200).type(AUTODISCOVER_CONTENT_TYPE).send(body);
  };

  // Outlook POSTs text/xml; some clients send no or another type: every body is read as text,
  // within the limit, in this scope only (the site's other POSTs stay forms).
  void app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    for (const path of [PATHS.autodiscover, PATHS.autodiscoverCapitalized]) {
      // No session and no CSRF token: the request changes nothing and reveals nothing per account.
      scope.post(path, { config: { sessionless: true }, bodyLimit: AUTODISCOVER_BODY_LIMIT }, async (request, reply) =>
        answerAutodiscover(reply, () => requestedAddress(typeof request.body === 'string' ? request.body : '')),
      );
      scope.get<{ Querystring: { Email?: string; emailaddress?: string } }>(path, async (request, reply) =>
        answerAutodiscover(reply, () => {
          const address = request.query.Email ?? request.query.emailaddress;
          if (typeof address !== 'string') throw new AutodiscoverError(600, 'Invalid Request');
          return address;
        }),
      );
    }
  });

  app.get(PATHS.setupGuide, async (request, reply) => {
    const lookup = request.webSession;
    const session = lookup.state === 'active' ? lookup.session : null;
    const signedIn = session?.user?.identity ? session.user : null;
    return sendPage(
      reply,
      200,
      setupGuidePage({ domain, viewer: session ? viewerOf(session) : null, endpoints, address: signedIn ? signedIn.person : null }),
    );
  });

  app.get(PATHS.setupHandout, async (request, reply) => {
    const lookup = request.webSession;
    return sendPage(reply, 200, setupHandoutPage({ domain, viewer: lookup.state === 'active' ? viewerOf(lookup.session) : null, endpoints }));
  });

  app.get(PATHS.appleProfile, async (request, reply) => {
    const session = signedInSession(request, reply, false);
    if (!session) return reply;
    const user = session.user!;
    const local = user.person.split('@')[0]!;
    return reply
      .code(200)
      .type(MOBILECONFIG_CONTENT_TYPE)
      // A tên_sd is ASCII, so no RFC 6266 filename* is needed.
      .header('content-disposition', `attachment; filename="thu-cong-vu-${local}.mobileconfig"`)
      .send(mobileconfigFor(ctx.config, { address: user.person, displayName: user.displayName }));
  });
}
