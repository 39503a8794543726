import type { Config } from './schema.js';
import type { HostPort } from './units.js';
import { webBaseUrl } from './urls.js';

/**
 * What an official's mail program connects to, derived from the listeners in config alone, so
 * that every setup answer (Thunderbird autoconfig, Outlook Autodiscover, the Apple profile, the
 * setup guide, `init`'s SRV records) names the same host and ports. The host is
 * `[server] hostname`; a listener bound to port 0 (an ephemeral port) is announced on its
 * standard port, which a firewall or proxy then maps.
 */

/** `tls`: TLS from the first byte (RFC 8314 §3); `starttls`: plain, upgraded by the protocol's STARTTLS. */
export type ClientSecurity = 'tls' | 'starttls';

export interface ClientEndpoint {
  readonly host: string;
  readonly port: number;
  readonly security: ClientSecurity;
}

export interface ClientEndpoints {
  /** IMAP, implicit TLS first (RFC 8314 §3.3 prefers it), then STARTTLS; empty when both are off. */
  readonly imap: readonly ClientEndpoint[];
  /** Submission (RFC 8314 §3.3 port 465 first, RFC 6409 port 587 second). */
  readonly submission: readonly ClientEndpoint[];
  /** The read-only LDAP directory, ldaps first. */
  readonly ldap: readonly ClientEndpoint[];
  readonly ldapBaseDn: string;
  /** Where officials reach the web site (`webBaseUrl`), "" when it has no listener. */
  readonly web: string;
  /** RFC 6764 §5: the CardDAV context path clients start from, on the web listener. */
  readonly carddav: string;
}

export const CARDDAV_WELL_KNOWN_PATH = '/.well-known/carddav';

/** The port clients use for a listener, or null when it is switched off. */
export function announcedPort(listener: HostPort | null, standard: number): number | null {
  if (listener === null) return null;
  return listener.port === 0 ? standard : listener.port;
}

function endpoints(host: string, offered: ReadonlyArray<[HostPort | null, number, ClientSecurity]>): ClientEndpoint[] {
  const found: ClientEndpoint[] = [];
  for (const [listener, standard, security] of offered) {
    const port = announcedPort(listener, standard);
    if (port !== null) found.push({ host, port, security });
  }
  return found;
}

export function clientEndpoints(config: Config): ClientEndpoints {
  const host = config.server.hostname;
  const web = webBaseUrl(config);
  return {
    imap: endpoints(host, [
      [config.imap.tls_listen, 993, 'tls'],
      [config.imap.listen, 143, 'starttls'],
    ]),
    submission: endpoints(host, [
      [config.smtp.submissions, 465, 'tls'],
      [config.smtp.submission, 587, 'starttls'],
    ]),
    ldap: endpoints(host, [
      [config.ldap.tls_listen, 636, 'tls'],
      [config.ldap.listen, 389, 'starttls'],
    ]),
    ldapBaseDn: config.ldap.base_dn,
    web,
    carddav: web === '' ? '' : `${web}${CARDDAV_WELL_KNOWN_PATH}`,
  };
}
