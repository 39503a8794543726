import type { Config } from '../config/index.js';

/** Paths of the self-service site, in one place: pages link to each other and IMAP/SMTP point here. */
export const PATHS = {
  home: '/',
  signIn: '/dang-nhap',
  signOut: '/dang-xuat',
  changePassword: '/doi-mat-khau',
  search: '/tra-cuu',
  vcard: '/danh-ba.vcf',
  stylesheet: '/giao-dien.css',
  /** Thunderbird looks here on the mail domain's web server, and at autoconfig.<domain>/mail/… */
  autoconfigWellKnown: '/.well-known/autoconfig/mail/config-v1.1.xml',
  autoconfig: '/mail/config-v1.1.xml',
  health: '/healthz',
  metrics: '/metrics',
} as const;

/**
 * Where officials reach the site: `http.public_url` when set (the address behind the city's
 * reverse proxy), else the listener itself.
 */
export function webBaseUrl(config: Config): string {
  if (config.http.public_url !== '') return config.http.public_url.replace(/\/+$/, '');
  const listen = config.http.listen;
  if (!listen) return '';
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}`;
}

/** The page an official is sent to by IMAP `NO [EXPIRED]` and SMTP `535 5.7.8` (issue 7). */
export function passwordChangeUrl(config: Config): string {
  return `${webBaseUrl(config)}${PATHS.changePassword}`;
}

/** Cookies get `Secure` when officials reach the site over HTTPS. */
export function servedOverHttps(config: Config): boolean {
  return /^https:/i.test(config.http.public_url);
}
