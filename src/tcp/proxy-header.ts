/**
 * The PROXY protocol header a load balancer puts before a client's first byte (HAProxy's "The
 * PROXY protocol", versions 1 and 2, docs/haproxy.en.md): read from the start of a connection,
 * it says where the client connected from. Pure parsing; proxy-protocol.ts reads the socket.
 *
 * Invariant: a header is accepted whole and well-formed or not at all; nothing after it is read.
 */
import { isIPv4, isIPv6, SocketAddress } from 'node:net';

/** Spec §2.1: a version 1 line is at most 107 bytes, CRLF included. */
const V1_MAX_BYTES = 107;
const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** Spec §2.2: the 12 bytes every version 2 header starts with. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;
/** Spec §2.2: address block sizes of AF_INET (4+4+2+2), AF_INET6 (16+16+2+2) and AF_UNIX (108+108). */
const V2_ADDRESS_BYTES: Readonly<Record<number, number>> = { 1: 12, 2: 36, 3: 216 };
/**
 * The largest version 2 header we take: the fixed part, the biggest address block and room for
 * TLVs (spec §2.2.1: unique ID, ALPN, SSL details). The spec allows 64 KB; no proxy in front of us
 * needs more than this, and an untrusted length must not make us buffer that much. Either
 * version is decided (a header or an error) within this many bytes.
 */
const MAX_PROXY_HEADER_BYTES = 4096;

/** Where the client is: the source address and port of the proxied connection. */
export interface ProxiedSource {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

export type ProxyHeader =
  /** The header carries the client's address. */
  | { readonly kind: 'proxied'; readonly length: number; readonly source: ProxiedSource }
  /**
   * v1 UNKNOWN, v2 LOCAL (the proxy's own health check), v2 UNSPEC or AF_UNIX: the spec says to
   * keep the connection's own endpoints (§2.1, §2.2).
   */
  | { readonly kind: 'unknown'; readonly length: number };

/** A header that is not one: the connection is closed (spec §2: the receiver must not guess). */
export class ProxyHeaderError extends Error {
  override readonly name = 'ProxyHeaderError';
}

/** The header at the start of `data`, or null when more bytes are needed to decide. */
export function parseProxyHeader(data: Buffer): ProxyHeader | null {
  if (startsLike(data, V2_SIGNATURE)) return data.length < V2_SIGNATURE.length ? null : parseVersion2(data);
  if (startsLike(data, V1_PREFIX)) return data.length < V1_PREFIX.length ? null : parseVersion1(data);
  throw new ProxyHeaderError('no PROXY protocol header');
}

/** Whether `data` and `prefix` agree on their common length. */
function startsLike(data: Buffer, prefix: Buffer): boolean {
  const n = Math.min(data.length, prefix.length);
  return data.subarray(0, n).equals(prefix.subarray(0, n));
}

/** Spec §2.1: "PROXY TCP4|TCP6 <source> <destination> <source port> <destination port>\r\n" or "PROXY UNKNOWN…\r\n". */
function parseVersion1(data: Buffer): ProxyHeader | null {
  const end = data.indexOf('\r\n', 0, 'latin1');
  if (end === -1) {
    if (data.length >= V1_MAX_BYTES) throw new ProxyHeaderError('PROXY v1 line longer than 107 bytes');
    return null;
  }
  const length = end + 2;
  if (length > V1_MAX_BYTES) throw new ProxyHeaderError('PROXY v1 line longer than 107 bytes');
  const fields = data.toString('latin1', 0, end).split(' ');
  if (fields[1] === 'UNKNOWN') return { kind: 'unknown', length };
  if (fields.length !== 6) throw new ProxyHeaderError('PROXY v1 line without its six fields');
  const [, protocol, source = '', destination = '', sourcePort = '', destinationPort = ''] = fields;
  const valid = protocol === 'TCP4' ? isIPv4 : protocol === 'TCP6' ? isIPv6 : null;
  if (!valid) throw new ProxyHeaderError(`PROXY v1 protocol ${JSON.stringify(protocol)} is not TCP4, TCP6 or UNKNOWN`);
  if (!valid(source) || !valid(destination)) throw new ProxyHeaderError(`PROXY v1 addresses are not ${protocol}`);
  const port = portNumber(sourcePort);
  if (port === null || portNumber(destinationPort) === null) throw new ProxyHeaderError('PROXY v1 port is not 0-65535');
  const family = protocol === 'TCP4' ? 'IPv4' : 'IPv6';
  return { kind: 'proxied', length, source: { address: new SocketAddress({ address: source, family: protocol === 'TCP4' ? 'ipv4' : 'ipv6' }).address, port, family } };
}

/** Spec §2.1: ports in decimal, 0 to 65535, without leading zeroes. */
function portNumber(text: string): number | null {
  if (!/^(0|[1-9]\d{0,4})$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/** Spec §2.2: signature, version and command, family and transport, length, addresses, TLVs. */
function parseVersion2(data: Buffer): ProxyHeader | null {
  if (data.length < V2_FIXED_BYTES) return null;
  const versionCommand = data[12]!;
  const familyTransport = data[13]!;
  const length = V2_FIXED_BYTES + data.readUInt16BE(14);
  if (versionCommand >> 4 !== 2) throw new ProxyHeaderError('PROXY v2 header of another version');
  const command = versionCommand & 0x0f;
  if (command > 1) throw new ProxyHeaderError('PROXY v2 command is neither LOCAL nor PROXY');
  if (length > MAX_PROXY_HEADER_BYTES) throw new ProxyHeaderError(`PROXY v2 header of ${length} bytes, more than ${MAX_PROXY_HEADER_BYTES}`);
  if (data.length < length) return null;
  // LOCAL: the proxy talking for itself (health checks); the address block, if any, is ignored.
  if (command === 0) return { kind: 'unknown', length };
  const family = familyTransport >> 4;
  const transport = familyTransport & 0x0f;
  if (family > 3) throw new ProxyHeaderError('PROXY v2 address family unknown');
  if (family === 0) return { kind: 'unknown', length };
  // Our listeners are TCP: a datagram (or unspecified transport) client cannot be behind them.
  if (transport !== 1) throw new ProxyHeaderError('PROXY v2 transport is not STREAM');
  if (length - V2_FIXED_BYTES < V2_ADDRESS_BYTES[family]!) throw new ProxyHeaderError('PROXY v2 address block shorter than its family');
  if (family === 3) return { kind: 'unknown', length };
  const at = V2_FIXED_BYTES;
  if (family === 1) {
    const address = [...data.subarray(at, at + 4)].join('.');
    return { kind: 'proxied', length, source: { address, port: data.readUInt16BE(at + 8), family: 'IPv4' } };
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(data.readUInt16BE(at + i).toString(16));
  // SocketAddress writes it as Node writes a socket's remoteAddress (RFC 5952), so counters and lists match either way.
  const address = new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
  return { kind: 'proxied', length, source: { address, port: data.readUInt16BE(at + 32), family: 'IPv6' } };
}
