import type { Config } from '../config/index.js';
import { PASSWORD_CHANGE_PATH } from '../config/index.js';

/** Paths of the self-service site, in one place: pages link to each other and IMAP/SMTP point here. */
export const PATHS = {
  home: '/',
  signIn: '/dang-nhap',
  signOut: '/dang-xuat',
  changePassword: PASSWORD_CHANGE_PATH,
  search: '/tra-cuu',
  outOfOffice: '/tra-loi-tu-dong',
  mailRules: '/quy-tac-loc-thu',
  mailRulesDelete: '/quy-tac-loc-thu/xoa',
  vcard: '/danh-ba.vcf',
  stylesheet: '/giao-dien.css',
  /** Thunderbird looks here on the mail domain's web server, and at autoconfig.<domain>/mail/… */
  autoconfigWellKnown: '/.well-known/autoconfig/mail/config-v1.1.xml',
  autoconfig: '/mail/config-v1.1.xml',
  /** RFC 6764 §5: CardDAV clients start here and are sent to the context path (carddav/resources.ts). */
  carddavWellKnown: '/.well-known/carddav',
  carddav: '/carddav/',
  health: '/healthz',
  metrics: '/metrics',
} as const;

/**
 * Cookies get `Secure` when officials reach the site over HTTPS: through a proxy at an https
 * `public_url`, or at our own `tls_listen` (the plain listener then redirects the pages to it).
 */
export function servedOverHttps(config: Config): boolean {
  return /^https:/i.test(config.http.public_url) || config.http.tls_listen !== null;
}
