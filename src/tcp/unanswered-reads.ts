/**
 * The acknowledgement policy of our listeners: a read the server does not answer at once is
 * acknowledged at once (docs/tcp-delayed-ack.md).
 *
 * Linux delays the ACK of received data by up to 40 ms once a connection looks interactive
 * (pingpong mode: we answered the previous request promptly), hoping to piggyback it on our
 * reply. When no reply is coming because the request is not complete — a synchronising literal
 * before its closing CRLF (RFC 3501 §7.5), a DATA body before its final `.` (RFC 5321 §4.1.1.4) —
 * a client using Nagle's algorithm (RFC 896) holds its short last write until that ACK arrives,
 * and every such request takes 40 ms of nothing. So after each read, once the protocol code has
 * run, if nothing was written back the ACK goes out now (TCP_QUICKACK); a read that is answered
 * in the same turn of the event loop keeps the ACK piggybacked on its reply.
 */
import type { Socket } from 'node:net';
import { acknowledgeNow, quickAckSupported } from './quick-ack.js';

const watched = new WeakSet<Socket>();

/**
 * Applies the policy to a connection: call it with the socket the protocol reads from, again
 * after STARTTLS with the TLS socket (reads then arrive there). Adds a 'data' listener, so call it
 * only once the protocol's own reader is attached (it must not start the flow of data).
 */
export function acknowledgeUnansweredReads(socket: Socket): void {
  if (watched.has(socket) || !quickAckSupported()) return;
  watched.add(socket);
  let checkPending = false;
  let writtenAtLastRead = 0;
  socket.on('data', () => {
    // Compared with the last read of the turn: a reply to an earlier read does not carry the ACK of a later one.
    writtenAtLastRead = socket.bytesWritten;
    if (checkPending) return;
    checkPending = true;
    // setImmediate: after the promise chains these reads started (command parsing, synchronous
    // replies) have run, so "nothing written" means the reply is not coming this turn.
    setImmediate(() => {
      checkPending = false;
      if (socket.bytesWritten === writtenAtLastRead) acknowledgeNow(socket);
    });
  });
}
