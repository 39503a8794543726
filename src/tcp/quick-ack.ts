/**
 * TCP_QUICKACK (Linux tcp(7)) on a connection's socket: "send the ACK for what has been received
 * now, and leave delayed-ACK pingpong mode". Node has no call for it (libuv exposes TCP_NODELAY
 * and keep-alive only), so setsockopt(2) is called through src/native (koffi).
 *
 * Why the option is needed is in docs/tcp-delayed-ack.md. Elsewhere than Linux, or when the FFI
 * cannot be loaded, acknowledgeNow() does nothing: the server keeps working with the kernel's
 * delayed ACKs, only slower against clients that use Nagle's algorithm.
 */
import { libcFunction } from '../native/index.js';
import type { Socket } from 'node:net';

/** <netinet/in.h> and <netinet/tcp.h> on Linux. */
const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12;

type SetIntOption = (fd: number, level: number, name: number, value: number[], length: number) => number;

let setsockopt: SetIntOption | null | undefined;

/** libc's setsockopt from the running process (node links libc), loaded on first use only. */
function loadSetsockopt(): SetIntOption | null {
  return libcFunction<SetIntOption>('int setsockopt(int fd, int level, int name, const int *value, uint32_t len)');
}

/** Whether acknowledgeNow() can do anything on this machine. */
export function quickAckSupported(): boolean {
  if (setsockopt === undefined) setsockopt = loadSetsockopt();
  return setsockopt !== null;
}

/**
 * The kernel file descriptor under a connected socket: a plain socket's handle is the TCP wrap
 * itself; a TLSSocket's handle is the TLS wrap, whose `_parent` is the TCP wrap (Node's
 * lib/_tls_wrap.js). Null once the socket is closed.
 */
export function fileDescriptorOf(socket: Socket): number | null {
  type Handle = { fd?: number; _parent?: Handle } | null | undefined;
  const handle = (socket as unknown as { _handle: Handle })._handle;
  const fd = handle?.fd ?? handle?._parent?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/**
 * Sends now the ACK the kernel is holding back for data this process has already read, and takes
 * the connection out of pingpong mode (tcp(7) TCP_QUICKACK; kernel __tcp_sock_set_quickack:
 * exit pingpong, then tcp_cleanup_rbuf sends the scheduled ACK). A no-op when nothing is pending.
 */
export function acknowledgeNow(socket: Socket): void {
  if (!quickAckSupported() || socket.destroyed) return;
  const fd = fileDescriptorOf(socket);
  if (fd !== null) setsockopt!(fd, IPPROTO_TCP, TCP_QUICKACK, [1], 4);
}
