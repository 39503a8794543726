import type { Config } from '../config/index.js';
import { escapeHtml } from './html.js';

/**
 * Thunderbird autoconfig (the "config-v1.1.xml" format of Mozilla's ISP database): Thunderbird
 * asks `autoconfig.<domain>/mail/config-v1.1.xml` and `<domain>/.well-known/autoconfig/mail/
 * config-v1.1.xml` when an official types their address. Listed in order of preference:
 * implicit TLS first (RFC 8314 §3.3 recommends it), STARTTLS second. The public ports are the
 * standard ones whatever the listeners bind to here (a firewall or proxy maps them).
 */

export const AUTOCONFIG_CONTENT_TYPE = 'application/xml; charset=utf-8';

interface ServerEntry {
  readonly kind: 'incomingServer' | 'outgoingServer';
  readonly type: 'imap' | 'smtp';
  readonly port: number;
  readonly socketType: 'SSL' | 'STARTTLS';
}

const SERVERS: readonly ServerEntry[] = [
  { kind: 'incomingServer', type: 'imap', port: 993, socketType: 'SSL' },
  { kind: 'incomingServer', type: 'imap', port: 143, socketType: 'STARTTLS' },
  { kind: 'outgoingServer', type: 'smtp', port: 465, socketType: 'SSL' },
  { kind: 'outgoingServer', type: 'smtp', port: 587, socketType: 'STARTTLS' },
];

/** XML escaping is the same set of five characters as HTML's. */
const xml = escapeHtml;

export function autoconfigXml(config: Config): string {
  const hostname = xml(config.server.hostname);
  const servers = SERVERS.map(
    (s) => `    <${s.kind} type="${s.type}">
      <hostname>${hostname}</hostname>
      <port>${s.port}</port>
      <socketType>${s.socketType}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </${s.kind}>`,
  );
  const domains = config.localDomains.map((d) => `    <domain>${xml(d)}</domain>`);
  const primary = xml(config.server.domain);
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${primary}">
${domains.join('\n')}
    <displayName>Thư điện tử công vụ ${primary}</displayName>
    <displayShortName>${primary}</displayShortName>
${servers.join('\n')}
  </emailProvider>
</clientConfig>
`;
}
