import type { Socket } from 'node:net';
import { arrivedThroughProxy } from './proxy-protocol.js';

/**
 * Whether a client address is this machine (127.0.0.0/8, ::1, or IPv4-mapped 127.x): the only
 * clients `[imap] allow_plaintext_auth` ever applies to, on IMAP and ManageSieve alike.
 */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * Whether the client on `socket` is this machine. A connection through a proxy never is, even
 * when proxy and client are both local: the password crossed whatever network lies in front of
 * the proxy, and a health check (PROXY LOCAL) has nothing to log in to (docs/haproxy.en.md).
 */
export function isLoopbackClient(socket: Socket): boolean {
  return !arrivedThroughProxy(socket) && isLoopbackAddress(socket.remoteAddress ?? '');
}
