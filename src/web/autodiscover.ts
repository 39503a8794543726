import { createHash } from 'node:crypto';
import { clientEndpoints, type ClientEndpoint, type Config } from '../config/index.js';
import { escapeHtml } from './html.js';

/**
 * Outlook Autodiscover, the plain-XML ("POX") form of Microsoft's "Autodiscover for Exchange"
 * documentation: Outlook POSTs an `Autodiscover` request naming the address an official typed
 * (request schema `…/outlook/requestschema/2006`) to `/autodiscover/autodiscover.xml` on
 * `autodiscover.<domain>` (see `init`'s DNS records) and reads one `Protocol` block per service
 * of the `…/outlook/responseschema/2006a` answer. We answer IMAP and SMTP from the listeners in
 * config (`clientEndpoints`), preferring implicit TLS; the login name is the address itself
 * (DESIGN.md "Login names").
 *
 * Invariants:
 * - the request is never given to an XML parser: a bounded body (the route's limit) is searched
 *   for its `EMailAddress`, and a body with a DOCTYPE is refused outright, so no entity (internal
 *   or external) is ever expanded;
 * - every address of our domains gets the same settings, so the answer tells nobody whether an
 *   account exists (docs/architecture.md invariant 3); other domains get ErrorCode 500.
 */

export const AUTODISCOVER_CONTENT_TYPE = 'text/xml; charset=utf-8';
const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
export const OUTLOOK_RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

/** The error codes of the POX documentation ("ErrorCode (POX)") that we answer. */
export class AutodiscoverError extends Error {
  constructor(
    readonly code: 500 | 600 | 601,
    message: string,
  ) {
    super(message);
  }
}

const xml = escapeHtml;
const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the first element with this local name (any prefix), its predefined entities decoded. */
function elementText(body: string, name: string): string | null {
  const match = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`).exec(body);
  if (!match) return null;
  return match[1]!.replace(/&(amp|lt|gt|quot|apos);/g, (_entity, key: string) => PREDEFINED[key]!).trim();
}

/** The address a POX request asks about; throws AutodiscoverError 600 (invalid) or 601 (a schema we do not serve). */
export function requestedAddress(body: string): string {
  // XML 1.0 §2.8: entities are declared only in a DOCTYPE; without one, none can be expanded.
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new AutodiscoverError(600, 'Invalid Request');
  if (!/<(?:[\w.-]+:)?Autodiscover[\s>]/.test(body)) throw new AutodiscoverError(600, 'Invalid Request');
  const schema = elementText(body, 'AcceptableResponseSchema');
  // Phones asking for the ActiveSync ("mobilesync") schema: a provider we do not have.
  if (schema !== null && schema !== OUTLOOK_RESPONSE_SCHEMA) throw new AutodiscoverError(601, 'Provider is not available for the requested schema');
  const address = elementText(body, 'EMailAddress');
  if (address === null) throw new AutodiscoverError(600, 'Invalid Request');
  return address;
}

/** The settings for an address of one of our domains; AutodiscoverError 500 for any other. */
export function autodiscoverSettings(config: Config, address: string): string {
  const normalized = address.trim().toLowerCase();
  const at = normalized.lastIndexOf('@');
  const local = normalized.slice(0, at);
  const domain = normalized.slice(at + 1);
  if (at < 1 || normalized.length > 254 || /[\s<>"]/.test(local) || !config.localDomains.includes(domain)) {
    throw new AutodiscoverError(500, 'The e-mail address cannot be found.');
  }
  const endpoints = clientEndpoints(config);
  const protocols = [
    endpoints.imap[0] ? protocolBlock('IMAP', endpoints.imap[0], normalized) : '',
    endpoints.submission[0] ? protocolBlock('SMTP', endpoints.submission[0], normalized) : '',
  ].join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="${RESPONSE_NS}">
  <Response xmlns="${OUTLOOK_RESPONSE_SCHEMA}">
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
${protocols}    </Account>
  </Response>
</Autodiscover>
`;
}

/**
 * "Protocol (POX)": SSL on for both kinds of TLS; Encryption (which overrides SSL) says which:
 * `SSL` from the first byte, `TLS` by STARTTLS. SPA off: we take the password in clear over TLS.
 */
function protocolBlock(type: 'IMAP' | 'SMTP', endpoint: ClientEndpoint, address: string): string {
  const smtpOnly = type === 'SMTP' ? '        <UsePOPAuth>off</UsePOPAuth>\n        <SMTPLast>off</SMTPLast>\n' : '';
  return `      <Protocol>
        <Type>${type}</Type>
        <Server>${xml(endpoint.host)}</Server>
        <Port>${endpoint.port}</Port>
        <LoginName>${xml(address)}</LoginName>
        <DomainRequired>off</DomainRequired>
        <SPA>off</SPA>
        <SSL>on</SSL>
        <Encryption>${endpoint.security === 'tls' ? 'SSL' : 'TLS'}</Encryption>
        <AuthRequired>on</AuthRequired>
${smtpOnly}      </Protocol>
`;
}

/** "Error (POX)": Time is the time of day of the answer; Id a hash of the server's name, as the documentation describes. */
export function autodiscoverErrorXml(config: Config, error: AutodiscoverError, now: Date = new Date()): string {
  const time = `${now.toISOString().slice(11, 23)}0000`;
  const id = createHash('sha256').update(config.server.hostname).digest().readUInt32BE(0);
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="${RESPONSE_NS}">
  <Response>
    <Error Time="${time}" Id="${id}">
      <ErrorCode>${error.code}</ErrorCode>
      <Message>${xml(error.message)}</Message>
      <DebugData />
    </Error>
  </Response>
</Autodiscover>
`;
}
