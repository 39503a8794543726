import type { Config } from './schema.js';

/** The self-service site's password page (src/web serves it; IMAP and SMTP point officials to it). */
export const PASSWORD_CHANGE_PATH = '/doi-mat-khau';

/** The unit mailbox page of heads and delegates (src/web; the Điều 9 reminders and digest point to it). */
export const UNIT_MAILBOX_PATH = '/hop-thu-don-vi';

/**
 * Where officials reach the web site: `http.public_url` when set (the address behind the city's
 * reverse proxy), else the HTTPS listener, else the plain one. Derived from config alone, so
 * every protocol names the same address.
 */
export function webBaseUrl(config: Config): string {
  if (config.http.public_url !== '') return config.http.public_url.replace(/\/+$/, '');
  const listen = config.http.tls_listen ?? config.http.listen;
  if (!listen) return '';
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `${config.http.tls_listen ? 'https' : 'http'}://${host}:${listen.port}`;
}

/** The page an official is sent to by IMAP `NO [EXPIRED]` and SMTP `535 5.7.8` (docs/architecture.md "Password lifecycle"). */
export function passwordChangeUrl(config: Config): string {
  return `${webBaseUrl(config)}${PASSWORD_CHANGE_PATH}`;
}
