import { createHash } from 'node:crypto';
import { clientEndpoints, type Config } from '../config/index.js';
import { plistXml, type PlistValue } from './plist.js';

/**
 * The Apple configuration profile (`.mobileconfig`) of one official: their mail account (payload
 * `com.apple.mail.managed`), the directory over CardDAV (`com.apple.carddav.account`, at the
 * RFC 6764 `/.well-known/carddav` of the web site) and over LDAP (`com.apple.ldap.account`), as
 * Apple's Device Management documentation names the keys. Hosts and ports come from config
 * (`clientEndpoints`).
 *
 * Invariants:
 * - no password is ever written: iOS asks for it while installing, so the file is harmless in a
 *   mailbox or a Downloads folder;
 * - every PayloadUUID and PayloadIdentifier is derived from the address, so downloading the
 *   profile again gives the same file and installing it replaces the earlier one;
 * - the profile is not signed: iOS shows it as "Not Verified" (docs/admin-guide "Apple profile").
 */

export const MOBILECONFIG_CONTENT_TYPE = 'application/x-apple-aspen-config';

/** The namespace of our name-based UUIDs (RFC 9562 §5.5), fixed once for cantho-mail profiles. */
const PROFILE_NAMESPACE = Buffer.from('6f0c2b1e4a7d4c58b3e2a1d97c5e8f40', 'hex');

/** RFC 9562 §5.5: UUID version 5 (SHA-1, name-based). */
function nameBasedUuid(name: string): string {
  const hash = createHash('sha1').update(PROFILE_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toUpperCase();
}

export interface ProfileOwner {
  readonly address: string;
  readonly displayName: string;
}

type Dict = { readonly [key: string]: PlistValue };

export function mobileconfigFor(config: Config, owner: ProfileOwner): string {
  const endpoints = clientEndpoints(config);
  const domain = config.server.domain;
  // Reverse-DNS identifiers, as Apple asks for PayloadIdentifier.
  const base = `${domain.split('.').reverse().join('.')}.mail.${owner.address.split('@')[0]}`;
  const payload = (kind: string, type: string, displayName: string, keys: Dict): Dict => ({
    PayloadType: type,
    PayloadVersion: 1,
    PayloadIdentifier: `${base}.${kind}`,
    PayloadUUID: nameBasedUuid(`${owner.address}/${kind}`),
    PayloadDisplayName: displayName,
    ...keys,
  });

  const content: Dict[] = [];
  const imap = endpoints.imap[0];
  const smtp = endpoints.submission[0];
  if (imap && smtp) {
    content.push(
      payload('email', 'com.apple.mail.managed', `Thư điện tử ${owner.address}`, {
        EmailAccountDescription: `Thư công vụ ${domain}`,
        EmailAccountName: owner.displayName,
        EmailAccountType: 'EmailTypeIMAP',
        EmailAddress: owner.address,
        IncomingMailServerAuthentication: 'EmailAuthPassword',
        IncomingMailServerHostName: imap.host,
        IncomingMailServerPortNumber: imap.port,
        // Both TLS forms: iOS starts TLS by STARTTLS on a port that is not implicit TLS.
        IncomingMailServerUseSSL: true,
        IncomingMailServerUsername: owner.address,
        OutgoingMailServerAuthentication: 'EmailAuthPassword',
        OutgoingMailServerHostName: smtp.host,
        OutgoingMailServerPortNumber: smtp.port,
        OutgoingMailServerUseSSL: true,
        OutgoingMailServerUsername: owner.address,
        OutgoingPasswordSameAsIncomingPassword: true,
      }),
    );
  }
  if (endpoints.carddav !== '') {
    const site = new URL(endpoints.web);
    const https = site.protocol === 'https:';
    content.push(
      payload('carddav', 'com.apple.carddav.account', 'Danh bạ điện tử (CardDAV)', {
        CardDAVAccountDescription: `Danh bạ điện tử ${domain}`,
        CardDAVHostName: site.hostname,
        CardDAVPort: site.port === '' ? (https ? 443 : 80) : Number(site.port),
        CardDAVUseSSL: https,
        CardDAVPrincipalURL: endpoints.carddav,
        CardDAVUsername: owner.address,
      }),
    );
  }
  const ldap = endpoints.ldap[0];
  if (ldap) {
    content.push(
      payload('ldap', 'com.apple.ldap.account', 'Danh bạ điện tử (LDAP)', {
        LDAPAccountDescription: `Danh bạ LDAP ${domain}`,
        // The payload has no port key: iOS uses 636 with SSL, 389 without (docs/admin-guide "Apple profile").
        LDAPAccountHostName: ldap.host,
        LDAPAccountUseSSL: ldap.security === 'tls',
        LDAPAccountUserName: owner.address,
        LDAPSearchSettings: [
          { LDAPSearchSettingDescription: 'Toàn thành phố', LDAPSearchSettingSearchBase: endpoints.ldapBaseDn, LDAPSearchSettingScope: 'LDAPSearchSettingScopeSubtree' },
        ],
      }),
    );
  }

  return plistXml({
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: base,
    PayloadUUID: nameBasedUuid(`${owner.address}/profile`),
    PayloadDisplayName: `Thư điện tử công vụ — ${owner.displayName}`,
    PayloadDescription: `Cài đặt thư điện tử, danh bạ CardDAV và LDAP của ${owner.address}. Mật khẩu sẽ được hỏi khi cài đặt.`,
    PayloadOrganization: `Thư điện tử công vụ ${domain}`,
    PayloadRemovalDisallowed: false,
    PayloadContent: content,
  });
}
