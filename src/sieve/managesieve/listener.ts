import net from 'node:net';
import tls from 'node:tls';
import type { AppContext, RunningListener } from '../../context.js';
import { acceptProxyProtocol, isLoopbackClient } from '../../tcp/index.js';
import type { RedirectPolicy } from '../policy.js';
import { ManageSieveSession, type ManageSieveHost } from './session.js';

/** A connection idle this long is closed (RFC 5804 leaves it to the server). */
const IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The ManageSieve listener on `[sieve] managesieve` (RFC 5804 §1.8: port 4190, STARTTLS); null when
 * the key is empty. At most `[sieve] max_connections_per_ip` connections from one address.
 */
export async function startManageSieve(ctx: AppContext, policy: RedirectPolicy): Promise<RunningListener | null> {
  const address = ctx.config.sieve.managesieve;
  if (address === null) return null;
  const host: ManageSieveHost = {
    ctx,
    policy,
    secureContext: tls.createSecureContext({ key: ctx.tls.key, cert: ctx.tls.cert }),
    plaintextAllowed: (socket) => ctx.config.imap.allow_plaintext_auth && isLoopbackClient(socket),
  };
  let nextId = 1;
  const sockets = new Set<net.Socket>();
  const perIp = new Map<string, number>();
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    const ip = socket.remoteAddress ?? '';
    const fromIp = perIp.get(ip) ?? 0;
    if (fromIp >= ctx.config.sieve.max_connections_per_ip) {
      // RFC 5804 §1.3 TRYLATER: a temporary condition; BYE in place of the greeting ends the connection.
      ctx.logger.info({ proto: 'managesieve', ip }, 'connection refused: too many from this address');
      socket.end('BYE (TRYLATER) "Too many connections from your address, try again later"\r\n');
      return;
    }
    perIp.set(ip, fromIp + 1);
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left === 0) perIp.delete(ip);
      else perIp.set(ip, left);
    });
    socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.end('BYE "Idle too long"\r\n'));
    const log = ctx.logger.child({ proto: 'managesieve', cid: `sieve-${process.pid}-${nextId++}` });
    new ManageSieveSession(host, socket, log).run().catch((err: unknown) => {
      log.error({ err }, 'managesieve session crashed');
      socket.destroy();
    });
  });
  acceptProxyProtocol(server, { trusted: ctx.config.sieve.proxy_protocol_from, log: ctx.logger.child({ proto: 'managesieve' }) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  ctx.logger.info({ proto: 'managesieve', host: address.host, port }, 'listening');
  return {
    name: 'managesieve',
    host: address.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
