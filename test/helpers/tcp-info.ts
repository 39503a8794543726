/**
 * What the kernel knows about a test client's TCP connection (tcp(7) TCP_INFO), read through the
 * same FFI package the server uses for TCP_QUICKACK (src/tcp/quick-ack.ts). Linux only.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileDescriptorOf } from '../../src/tcp/index.js';

const IPPROTO_TCP = 6;
const TCP_INFO = 11;
/** struct tcp_info (linux/tcp.h): eight one-byte fields, then u32 rto, ato, snd_mss, rcv_mss, unacked. */
const UNACKED_OFFSET = 24;
const INFO_SIZE = 104;

type GetOption = (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
const getsockopt = koffi.load(null).func('int getsockopt(int fd, int level, int name, _Out_ uint8_t *value, _Inout_ uint32_t *len)') as GetOption;

/** Segments this socket has sent that the peer has not acknowledged yet (tcpi_unacked). */
export function unacknowledgedSegments(socket: Socket): number {
  const fd = fileDescriptorOf(socket);
  if (fd === null) throw new Error('socket has no file descriptor');
  const info = Buffer.alloc(INFO_SIZE);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, [INFO_SIZE]) !== 0) throw new Error('getsockopt(TCP_INFO) failed');
  return info.readUInt32LE(UNACKED_OFFSET);
}
