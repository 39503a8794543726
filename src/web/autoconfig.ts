import { clientEndpoints, type ClientEndpoint, type Config } from '../config/index.js';
import { escapeHtml } from './html.js';

/**
 * Thunderbird autoconfig (the "config-v1.1.xml" format of Mozilla's ISP database): Thunderbird
 * asks `autoconfig.<domain>/mail/config-v1.1.xml` and `<domain>/.well-known/autoconfig/mail/
 * config-v1.1.xml` when an official types their address. Servers are listed in order of
 * preference: implicit TLS first (RFC 8314 §3.3 recommends it), STARTTLS second, with the host
 * and ports of config (`clientEndpoints`). The CardDAV address book is an `<addressBook>` beside
 * the `<emailProvider>`, as the format places it; the format has no element for an LDAP
 * directory, so the LDAP address book is set up by hand (the setup guide says how).
 */

export const AUTOCONFIG_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** XML escaping is the same set of five characters as HTML's. */
const xml = escapeHtml;

const SOCKET_TYPE = { tls: 'SSL', starttls: 'STARTTLS' } as const;

function serverElement(kind: 'incomingServer' | 'outgoingServer', type: 'imap' | 'smtp', endpoint: ClientEndpoint): string {
  return `    <${kind} type="${type}">
      <hostname>${xml(endpoint.host)}</hostname>
      <port>${endpoint.port}</port>
      <socketType>${SOCKET_TYPE[endpoint.security]}</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </${kind}>`;
}

export function autoconfigXml(config: Config): string {
  const endpoints = clientEndpoints(config);
  const servers = [
    ...endpoints.imap.map((e) => serverElement('incomingServer', 'imap', e)),
    ...endpoints.submission.map((e) => serverElement('outgoingServer', 'smtp', e)),
  ];
  const domains = config.localDomains.map((d) => `    <domain>${xml(d)}</domain>`);
  const primary = xml(config.server.domain);
  // The address book signs in like the web page: the official's address and password (HTTP Basic).
  const addressBook =
    endpoints.carddav === ''
      ? ''
      : `  <addressBook type="carddav">
    <username>%EMAILADDRESS%</username>
    <authentication>http-basic</authentication>
    <serverURL>${xml(endpoints.carddav)}</serverURL>
  </addressBook>
`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${primary}">
${domains.join('\n')}
    <displayName>Thư điện tử công vụ ${primary}</displayName>
    <displayShortName>${primary}</displayShortName>
${servers.join('\n')}
  </emailProvider>
${addressBook}</clientConfig>
`;
}
