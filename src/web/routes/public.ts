import type { FastifyInstance } from 'fastify';
import { MTA_STS_POLICY_PATH, mtaStsPolicy } from '../../config/index.js';
import { METRICS_CONTENT_TYPE, registry } from '../../metrics.js';
import { AUTOCONFIG_CONTENT_TYPE, autoconfigXml } from '../autoconfig.js';
import { STYLESHEET } from '../stylesheet.js';
import type { WebState } from '../state.js';
import { PATHS } from '../urls.js';

/** What needs no session: the stylesheet, Thunderbird autoconfig, the MTA-STS policy, health and metrics. */
export function publicRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx } = state;
  const xml = autoconfigXml(ctx.config);

  app.get(PATHS.stylesheet, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );

  for (const path of [PATHS.autoconfigWellKnown, PATHS.autoconfig]) {
    app.get(path, async (_request, reply) => reply.type(AUTOCONFIG_CONTENT_TYPE).header('cache-control', 'public, max-age=3600').send(xml));
  }

  // RFC 8461 §3.3: senders fetch the policy from https://mta-sts.<domain>/.well-known/mta-sts.txt
  // (that name points here, see `init`'s DNS records); the same policy serves every local domain.
  const policy = mtaStsPolicy(ctx.config);
  if (policy) {
    app.get(MTA_STS_POLICY_PATH, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').header('cache-control', 'public, max-age=3600').send(policy.text),
    );
  }

  /**
   * docs/architecture.md "Health": 200 while mail can be kept (`ok` or `degraded`, with the reasons),
   * 503 when a component is `down`, so a container HEALTHCHECK restarts only what a restart can fix.
   */
  app.get(PATHS.health, async (_request, reply) => {
    const report = await ctx.health.report();
    if (report.status === 'down') ctx.logger.error({ reasons: report.reasons }, 'health check: down');
    return reply.code(report.status === 'down' ? 503 : 200).send(report);
  });

  app.get(PATHS.metrics, async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await registry.render()));
}
