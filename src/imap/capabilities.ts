/**
 * Every capability we announce, once, with the RFC that defines it. What a client sees depends on
 * the session: before authentication only what it needs to log in (RFC 3501 §6.1.1 allows the list
 * to change), STARTTLS/LOGINDISABLED/AUTH= by TLS state (RFC 3501 §6.2.1, §6.2.3).
 */
import type { Config } from '../config/index.js';
import { hiddenCapabilities, isHidden, type CapabilityAudience } from './capability-hiding.js';

interface Capability {
  readonly name: string;
  readonly rfc: string;
  /** Shown before LOGIN as well (what a client needs to decide how to log in). */
  readonly beforeAuth?: boolean;
  readonly when?: (config: Config) => boolean;
}

const CAPABILITIES: readonly Capability[] = [
  { name: 'IMAP4rev1', rfc: 'RFC 3501', beforeAuth: true },
  // RFC 9051 (ENABLE IMAP4rev2: session.ts, Appendix E differences) makes BINARY (RFC 3516) part of
  // the base protocol, so IMAP4rev2 is announced only where BINARY is.
  { name: 'IMAP4rev2', rfc: 'RFC 9051', beforeAuth: true, when: () => CAPABILITIES.some((c) => c.name === 'BINARY') },
  { name: 'LITERAL+', rfc: 'RFC 7888', beforeAuth: true },
  // RFC 9051 §4.3 (IMAP4rev2) asks for LITERAL-; LITERAL+ already accepts every literal LITERAL- allows.
  { name: 'LITERAL-', rfc: 'RFC 7888 §5', beforeAuth: true },
  { name: 'SASL-IR', rfc: 'RFC 4959', beforeAuth: true },
  { name: 'ID', rfc: 'RFC 2971', beforeAuth: true },
  { name: 'ENABLE', rfc: 'RFC 5161', beforeAuth: true },
  { name: 'IDLE', rfc: 'RFC 2177', beforeAuth: true },
  // Events: MessageNew (with fetch-att), MessageExpunge, FlagChange, MailboxName, SubscriptionChange (src/imap/notify/).
  { name: 'NOTIFY', rfc: 'RFC 5465' },
  { name: 'NAMESPACE', rfc: 'RFC 2342' },
  { name: 'UIDPLUS', rfc: 'RFC 4315' },
  { name: 'MULTIAPPEND', rfc: 'RFC 3502' },
  { name: 'MOVE', rfc: 'RFC 6851' },
  { name: 'UNSELECT', rfc: 'RFC 3691' },
  { name: 'CHILDREN', rfc: 'RFC 3348' },
  { name: 'SPECIAL-USE', rfc: 'RFC 6154' },
  { name: 'CREATE-SPECIAL-USE', rfc: 'RFC 6154 §3' },
  { name: 'LIST-EXTENDED', rfc: 'RFC 5258' },
  { name: 'LIST-STATUS', rfc: 'RFC 5819' },
  { name: 'ESEARCH', rfc: 'RFC 4731' },
  { name: 'SEARCHRES', rfc: 'RFC 5182' },
  { name: 'SORT', rfc: 'RFC 5256 §3' },
  { name: 'SORT=DISPLAY', rfc: 'RFC 5957' },
  { name: 'ESORT', rfc: 'RFC 5267 §3' },
  { name: 'CONTEXT=SEARCH', rfc: 'RFC 5267 §4' },
  { name: 'CONTEXT=SORT', rfc: 'RFC 5267 §4' },
  { name: 'THREAD=ORDEREDSUBJECT', rfc: 'RFC 5256 §4' },
  { name: 'THREAD=REFERENCES', rfc: 'RFC 5256 §4' },
  { name: 'CONDSTORE', rfc: 'RFC 7162' },
  { name: 'QRESYNC', rfc: 'RFC 7162 §3.2' },
  { name: 'STATUS=SIZE', rfc: 'RFC 8438' },
  { name: 'UTF8=ACCEPT', rfc: 'RFC 6855' },
  { name: 'COMPRESS=DEFLATE', rfc: 'RFC 4978' },
  { name: 'BINARY', rfc: 'RFC 3516' },
  { name: 'CATENATE', rfc: 'RFC 4469' },
  { name: 'UNAUTHENTICATE', rfc: 'RFC 8437' },
  { name: 'ACL', rfc: 'RFC 4314' },
  { name: 'RIGHTS=texk', rfc: 'RFC 4314 §2.1' },
  { name: 'QUOTA', rfc: 'RFC 9208', when: (c) => c.quota.default > 0 },
  { name: 'QUOTA=RES-STORAGE', rfc: 'RFC 9208', when: (c) => c.quota.default > 0 },
];

export interface CapabilityState extends CapabilityAudience {
  readonly authenticated: boolean;
  readonly secure: boolean;
  /** Whether the client is this machine, not through a proxy (src/tcp isLoopbackClient): plaintext AUTH is never allowed from elsewhere. */
  readonly loopbackClient: boolean;
}

/** RFC 7889: the largest message APPEND accepts, the same limit SMTP has. */
export function appendLimit(config: Config): number {
  return config.smtp.max_message_size;
}

/**
 * RFC 3501 §6.2.3 / RFC 8314: passwords travel only inside TLS. `imap.allow_plaintext_auth` exists
 * for tests and only ever applies to loopback clients, so a config mistake cannot expose
 * passwords on the network.
 */
export function plaintextAuthAllowed(config: Config, state: Pick<CapabilityState, 'secure' | 'loopbackClient'>): boolean {
  return state.secure || (config.imap.allow_plaintext_auth && state.loopbackClient);
}

export function capabilityList(config: Config, state: CapabilityState): string[] {
  const list = CAPABILITIES.filter((c) => (state.authenticated || c.beforeAuth) && (c.when?.(config) ?? true)).map((c) => c.name);
  if (!state.authenticated) {
    if (!state.secure) list.push('STARTTLS'); // RFC 3501 §6.2.1
    if (plaintextAuthAllowed(config, state)) list.push('AUTH=PLAIN'); // RFC 4616
    else list.push('LOGINDISABLED'); // RFC 3501 §6.2.3
  }
  list.push(`APPENDLIMIT=${appendLimit(config)}`); // RFC 7889
  const hidden = hiddenCapabilities(config, state);
  return hidden.size === 0 ? list : list.filter((name) => !isHidden(hidden, name));
}
