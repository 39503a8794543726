/**
 * TCP-level behaviour shared by the SMTP and IMAP listeners. Today: acknowledging received data
 * promptly when the server has no reply to carry the ACK (docs/tcp-delayed-ack.md).
 *
 *   quick-ack.ts        acknowledgeNow(socket): TCP_QUICKACK through setsockopt(2);
 *                       fileDescriptorOf(socket): the kernel socket under a net or TLS socket
 *   unanswered-reads.ts acknowledgeUnansweredReads(socket): the policy the listeners apply
 *   loopback.ts         isLoopbackAddress(address): where `[imap] allow_plaintext_auth` applies
 */
export { acknowledgeUnansweredReads } from './unanswered-reads.js';
export { fileDescriptorOf, quickAckSupported } from './quick-ack.js';
export { isLoopbackAddress } from './loopback.js';
