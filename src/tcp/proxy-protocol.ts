/**
 * PROXY protocol on a listener (docs/haproxy.en.md): connections from the trusted proxies of a
 * listener family (`[smtp|imap|http|sieve|ldap] proxy_protocol_from`) must start with a version 1
 * or 2 header; connections from anywhere else are never read for one, so a header from them
 * reaches the protocol as the garbage it is there (a 500, a BAD).
 *
 * The header is read in the accept path, before any protocol code sees the socket: the server's
 * own 'connection' listeners (the protocol's accept, tls.Server's handshake, http's parser, smtp-
 * server's session) are moved behind the read, and get the socket once its header is gone, with
 * `remoteAddress`/`remotePort` saying where the client is. A TLS socket made over such a socket
 * (implicit TLS here, STARTTLS by the protocol through inheritProxiedPeer) says the same.
 *
 * Invariants: nothing is written to a socket before its header is read; a trusted connection
 * without a well-formed header within PROXY_HEADER_TIMEOUT_MS and MAX_PROXY_HEADER_BYTES (proxy-header.ts) is
 * closed with no reply (spec §2: the receiver must not try to guess); a proxied socket is never a
 * loopback client (loopback.ts), whatever address its header names.
 */
import { BlockList, isIP, type Server, type Socket } from 'node:net';
import { Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Cidr } from '../config/index.js';
import { parseProxyHeader, ProxyHeaderError, type ProxiedSource } from './proxy-header.js';

/** A proxy sends its header as it connects; a trusted peer silent this long is not a working proxy. */
const PROXY_HEADER_TIMEOUT_MS = 10_000;

/** The sockets that came through a proxy, with the client's address when the header gave one. */
const proxiedPeers = new WeakMap<Socket, ProxiedSource | null>();

/** Whether a socket (or the socket under a server-side TLS socket) came through a trusted proxy. */
export function arrivedThroughProxy(socket: Socket): boolean {
  return proxiedPeers.has(socket) || proxiedPeers.has(parentOf(socket) ?? socket);
}

/**
 * Gives a server-side TLS socket made over a proxied socket the client's address too: Node's
 * TLSSocket asks the kernel for its peer, which is the proxy. Call it where a protocol starts TLS.
 */
export function inheritProxiedPeer(secured: TLSSocket): void {
  const plain = parentOf(secured);
  if (plain === null || !proxiedPeers.has(plain)) return;
  const source = proxiedPeers.get(plain)!;
  proxiedPeers.set(secured, source);
  if (source) showSource(secured, source);
}

/** The TCP socket a server-side TLSSocket was made over (Node's lib/_tls_wrap.js keeps it as `_parent`). */
function parentOf(socket: Socket): Socket | null {
  return (socket as { _parent?: Socket | null })._parent ?? null;
}

export interface ProxyProtocolSettings {
  /** Addresses and CIDRs of the proxies (`proxy_protocol_from`); empty: the listener takes no header. */
  readonly trusted: readonly Cidr[];
  /** Where refused headers are logged (one line each, at info: a misconfigured proxy shows there). */
  readonly log: Logger;
}

/**
 * Puts the header read in front of `server`'s 'connection' listeners, those attached so far: call
 * it right after creating the server. Does nothing when no proxy is trusted.
 */
export function acceptProxyProtocol(server: Server, settings: ProxyProtocolSettings): void {
  if (settings.trusted.length === 0) return;
  const trusted = trustList(settings.trusted);
  const accept = server.listeners('connection') as Array<(socket: Socket) => void>;
  server.removeAllListeners('connection');
  const handOver = (socket: Socket): void => {
    for (const listener of accept) listener.call(server, socket);
  };
  server.on('connection', (socket: Socket) => {
    if (!isTrusted(trusted, socket.remoteAddress ?? '')) handOver(socket);
    else readHeader(socket, settings, handOver);
  });
  // tls.Server (imaps, ldaps, https) makes the TLS socket itself: it learns the client from the socket under it.
  if (server instanceof TlsServer) {
    server.prependListener('secureConnection', inheritProxiedPeer);
  }
}

function trustList(entries: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const { address, prefix, family } of entries) list.addSubnet(address, prefix, family);
  return list;
}

/** BlockList matches an IPv4-mapped IPv6 peer (a dual-stack listener) against IPv4 entries too. */
function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function readHeader(socket: Socket, settings: ProxyProtocolSettings, handOver: (socket: Socket) => void): void {
  let received = Buffer.alloc(0);
  const proxy = socket.remoteAddress;
  const finish = (): void => {
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('end', onEnd);
    socket.off('close', finish);
  };
  const refuse = (reason: string): void => {
    finish();
    settings.log.info({ proxy, reason }, 'connection from a trusted proxy closed: no valid PROXY protocol header');
    socket.destroy();
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) {
      received = Buffer.concat([received, chunk]);
      let header;
      try {
        header = parseProxyHeader(received);
      } catch (err) {
        if (err instanceof ProxyHeaderError) return refuse(err.message);
        throw err;
      }
      // Still incomplete: the parser decides within MAX_PROXY_HEADER_BYTES, so this buffer stays bounded.
      if (header === null) continue;
      finish();
      // What followed the header in the same read is the protocol's: it reads it first.
      if (received.length > header.length) socket.unshift(received.subarray(header.length));
      const source = header.kind === 'proxied' ? header.source : null;
      proxiedPeers.set(socket, source);
      if (source) showSource(socket, source);
      handOver(socket);
      return;
    }
  };
  const onEnd = (): void => refuse('closed before the header');
  const timer = setTimeout(() => refuse('no header in time'), PROXY_HEADER_TIMEOUT_MS);
  socket.on('error', () => socket.destroy());
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('close', finish);
}

/** The client's address where every protocol already reads it (logs, throttles, SPF, Received:). */
function showSource(socket: Socket, source: ProxiedSource): void {
  Object.defineProperties(socket, {
    remoteAddress: { value: source.address, configurable: true },
    remotePort: { value: source.port, configurable: true },
    remoteFamily: { value: source.family, configurable: true },
  });
}
