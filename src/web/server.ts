import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { HostPort } from '../config/index.js';
import type { AppContext, RunningListener } from '../context.js';
import { queueLength, trackConnection } from '../metrics.js';
import { acceptProxyProtocol } from '../tcp/index.js';
import { buildWebApp } from './app.js';
import { PATHS } from './urls.js';

/** Finishing requests get this long when the HTTPS listener closes; then their sockets are cut. */
const HTTPS_CLOSE_GRACE_MS = 5_000;

/**
 * What the plain listener still answers itself once the site has its own HTTPS listener: the
 * monitoring scrapes and Thunderbird's autoconfig (fetched over plain HTTP too). Every other
 * page, the sign-in form first, is redirected to HTTPS.
 */
const PLAIN_HTTP_PATHS: ReadonlySet<string> = new Set([PATHS.health, PATHS.metrics, PATHS.autoconfig, PATHS.autoconfigWellKnown]);

/**
 * Starts the self-service site on `http.listen` (plain HTTP) and `http.tls_listen` (HTTPS with the
 * `[tls]` pair, reloaded with it: src/tls.ts), either of which may be "" (off). One Fastify app
 * serves both, so sessions and caches are shared. Without `tls_listen`, TLS for officials is
 * the reverse proxy's job at `http.public_url` (cookies are then marked Secure). Sessions time out
 * on `now`, the server's clock.
 */
export async function startWeb(ctx: AppContext, now: () => number): Promise<RunningListener[]> {
  const { listen, tls_listen: tlsListen } = ctx.config.http;
  if (!listen && !tlsListen) return [];
  const app = buildWebApp(ctx, now);
  let httpsPort = 0;
  // Behind a proxy (an https public_url) the plain listener is the proxy's back end: redirecting would loop.
  if (tlsListen && !ctx.config.http.public_url.startsWith('https://')) redirectPlainPagesToHttps(app, () => httpsPort);

  // Before the first request: the PROXY header comes ahead of HTTP's parser (docs/haproxy.en.md).
  acceptProxyProtocol(app.server, { trusted: ctx.config.http.proxy_protocol_from, log: ctx.logger.child({ proto: 'web' }) });
  app.server.on('connection', (socket) => trackConnection('web', socket));
  // Messages whose recipients still wait for delivery, read when /metrics is scraped.
  queueLength.collect(() => ctx.queue.pendingCount());
  const closeApp = async () => {
    queueLength.collect(null);
    await app.close();
  };

  const listeners: RunningListener[] = [];
  if (listen) {
    await app.listen({ host: listen.host, port: listen.port });
    const address = app.server.address() as AddressInfo;
    ctx.logger.info({ proto: 'web', host: address.address, port: address.port }, 'web listener started');
    listeners.push({ name: 'web', host: address.address, port: address.port, close: closeApp });
  } else {
    await app.ready();
  }
  if (tlsListen) {
    try {
      const secure = await startHttps(app, ctx, tlsListen);
      httpsPort = secure.port;
      // Without a plain listener the HTTPS one owns the app.
      listeners.push(listen ? secure : { ...secure, close: async () => (await secure.close(), await closeApp()) });
    } catch (error) {
      await closeApp();
      throw error;
    }
  }
  return listeners;
}

/** The HTTPS listener: Node's https server handing each request to the app's router. */
async function startHttps(app: FastifyInstance, ctx: AppContext, at: HostPort): Promise<RunningListener> {
  const server = https.createServer({ key: ctx.tls.key, cert: ctx.tls.cert, requestTimeout: 30_000 }, (request, response) => app.routing(request, response));
  acceptProxyProtocol(server, { trusted: ctx.config.http.proxy_protocol_from, log: ctx.logger.child({ proto: 'web-tls' }) });
  // New connections get a renewed pair; those open keep theirs (src/tls.ts).
  ctx.tls.onChange(({ key, cert }) => server.setSecureContext({ key, cert }));
  server.on('connection', (socket) => trackConnection('web-tls', socket));
  // A client that fails the handshake (a scanner, plain HTTP on this port) costs a log line at debug, nothing else.
  server.on('tlsClientError', (error) => ctx.logger.debug({ proto: 'web-tls', err: error.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  ctx.logger.info({ proto: 'web-tls', host: address.address, port: address.port }, 'web TLS listener started');
  return {
    name: 'web-tls',
    host: address.address,
    port: address.port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), HTTPS_CLOSE_GRACE_MS);
      await closed;
      clearTimeout(cut);
    },
  };
}

/** A page asked over plain HTTP is answered with a redirect to the same path over HTTPS (308 keeps a POST a POST). */
function redirectPlainPagesToHttps(app: FastifyInstance, httpsPort: () => number): void {
  app.addHook('onRequest', async (request, reply) => {
    if ('encrypted' in request.raw.socket || PLAIN_HTTP_PATHS.has(request.url.split('?')[0]!)) return;
    const host = request.hostname.includes(':') && !request.hostname.startsWith('[') ? `[${request.hostname}]` : request.hostname;
    const port = httpsPort();
    return reply.redirect(`https://${host}${port === 443 ? '' : `:${port}`}${request.url}`, 308);
  });
}
