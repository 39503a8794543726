import type { Config } from '../config/index.js';
import { PASSWORD_CHANGE_PATH, UNIT_MAILBOX_PATH } from '../config/index.js';

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
  unitMailbox: UNIT_MAILBOX_PATH,
  vcard: '/danh-ba.vcf',
  stylesheet: '/giao-dien.css',
  /** Thunderbird looks here on the mail domain's web server, and at autoconfig.<domain>/mail/… */
  autoconfigWellKnown: '/.well-known/autoconfig/mail/config-v1.1.xml',
  autoconfig: '/mail/config-v1.1.xml',
  /** The setup guide (public), its printable one-page handout, and the signed-in official's Apple profile. */
  setupGuide: '/cai-dat',
  setupHandout: '/cai-dat/to-huong-dan',
  appleProfile: '/cai-dat/iphone.mobileconfig',
  /** Outlook asks both spellings (Microsoft's "Autodiscover for Exchange"); paths are case-sensitive here. */
  autodiscover: '/autodiscover/autodiscover.xml',
  autodiscoverCapitalized: '/Autodiscover/Autodiscover.xml',
  /** RFC 6764 §5: CardDAV clients start here and are sent to the context path (carddav/resources.ts). */
  carddavWellKnown: '/.well-known/carddav',
  carddav: '/carddav/',
  health: '/healthz',
  metrics: '/metrics',
} as const;

/** A unit's page under "Hộp thư đơn vị" (its tên_sd), and its forms below it (`/giao`, `/da-xu-ly`). */
export function unitMailboxPath(localPart: string): string {
  return `${UNIT_MAILBOX_PATH}/${encodeURIComponent(localPart)}`;
}

/**
 * Cookies get `Secure` when officials reach the site over HTTPS: through a proxy at an https
 * `public_url`, or at our own `tls_listen` (the plain listener then redirects the pages to it).
 */
export function servedOverHttps(config: Config): boolean {
  return /^https:/i.test(config.http.public_url) || config.http.tls_listen !== null;
}
