import type { FastifyInstance } from 'fastify';
import { asAccountId } from '../../store/types.js';
import { METRICS_CONTENT_TYPE, registry } from '../../metrics.js';
import { AUTOCONFIG_CONTENT_TYPE, autoconfigXml } from '../autoconfig.js';
import { STYLESHEET } from '../stylesheet.js';
import type { WebState } from '../state.js';
import { PATHS } from '../urls.js';

/** What needs no session: the stylesheet, Thunderbird autoconfig, health and metrics. */
export function publicRoutes(app: FastifyInstance, state: WebState): void {
  const { ctx } = state;
  const xml = autoconfigXml(ctx.config);
  const postmaster = asAccountId(`postmaster@${ctx.config.server.domain}`);

  app.get(PATHS.stylesheet, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );

  for (const path of [PATHS.autoconfigWellKnown, PATHS.autoconfig]) {
    app.get(path, async (_request, reply) => reply.type(AUTOCONFIG_CONTENT_TYPE).header('cache-control', 'public, max-age=3600').send(xml));
  }

  /**
   * 200 {"ok":true,"database":"ok"} when a read of the database answers; 503 with the reason
   * otherwise. With a replica, `replica` says whether it keeps up ({"status":"degraded"} still
   * answers 200: mail flows, only the copy is behind).
   */
  app.get(PATHS.health, async (_request, reply) => {
    try {
      ctx.store.listMailboxes(postmaster);
      return reply.code(200).send({ ok: true, database: 'ok', ...(ctx.replica ? { replica: ctx.replica.health() } : {}) });
    } catch (error) {
      ctx.logger.error({ err: error }, 'health check: database read failed');
      return reply.code(503).send({ ok: false, database: error instanceof Error ? error.message : String(error) });
    }
  });

  app.get(PATHS.metrics, async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(registry.render()));
}
