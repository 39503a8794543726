/**
 * TCP-level behaviour shared by the listeners. Acknowledging received data promptly when the
 * server has no reply to carry the ACK (docs/tcp-delayed-ack.md), and the PROXY protocol in front
 * of every listener family (docs/haproxy.en.md).
 *
 *   quick-ack.ts        acknowledgeNow(socket): TCP_QUICKACK through setsockopt(2);
 *                       fileDescriptorOf(socket): the kernel socket under a net or TLS socket
 *   unanswered-reads.ts acknowledgeUnansweredReads(socket): the policy the listeners apply
 *   loopback.ts         isLoopbackClient(socket): where `[imap] allow_plaintext_auth` applies
 *   proxy-header.ts     parseProxyHeader(bytes): PROXY protocol v1 and v2 headers
 *   proxy-protocol.ts   acceptProxyProtocol(server, settings): the header read before the protocol
 *                       sees the socket; inheritProxiedPeer(tlsSocket) after STARTTLS
 */
export { acknowledgeUnansweredReads } from './unanswered-reads.js';
export { fileDescriptorOf, quickAckSupported } from './quick-ack.js';
export { isLoopbackAddress, isLoopbackClient } from './loopback.js';
export { acceptProxyProtocol, inheritProxiedPeer, type ProxyProtocolSettings } from './proxy-protocol.js';
