import type { AddressInfo } from 'node:net';
import type { AppContext, RunningListener } from '../context.js';
import { queueLength, trackConnection } from '../metrics.js';
import { buildWebApp } from './app.js';

/**
 * Starts the self-service site on `http.listen` (none when it is ""). Plain HTTP: TLS for
 * officials is the reverse proxy's job at `http.public_url` (cookies are then marked Secure).
 */
export async function startWeb(ctx: AppContext): Promise<RunningListener[]> {
  const listen = ctx.config.http.listen;
  if (!listen) return [];
  const app = buildWebApp(ctx);

  app.server.on('connection', (socket) => trackConnection('web', socket));
  // Messages whose recipients still wait for delivery, read when /metrics is scraped.
  queueLength.collect(() => ctx.queue.pendingCount());

  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address() as AddressInfo;
  ctx.logger.info({ proto: 'web', host: address.address, port: address.port }, 'web listener started');
  return [
    {
      name: 'web',
      host: address.address,
      port: address.port,
      close: async () => {
        queueLength.collect(null);
        await app.close();
      },
    },
  ];
}
