/**
 * `[imap] hide_capabilities` (docs/admin-guide.en.md "Hiding IMAP capabilities from a client"):
 * which capabilities a session does not announce. RFC 3501 §6.1.1 lets the list differ between
 * sessions and states; a client only uses what it was told, and ENABLE ignores a hidden extension
 * as it ignores an unknown one (RFC 5161 §3.1).
 *
 * Before login no account is known, so a rule naming accounts applies from the login on; the RFC
 * 2971 ID may come at any time, so the list is computed afresh for every CAPABILITY.
 */
import type { Config } from '../config/index.js';

/** Who a session is, as far as the rules look. */
export interface CapabilityAudience {
  /** The person who logged in and the account opened (the same for one's own mailbox); null before login. */
  readonly login: { readonly person: string; readonly account: string } | null;
  /** The client's RFC 2971 ID name and version, if it sent one. */
  readonly clientId: string | undefined;
}

type HideRule = Config['imap']['hide_capabilities'][number];

export function hiddenCapabilities(config: Config, audience: CapabilityAudience): ReadonlySet<string> {
  const hidden = new Set<string>();
  for (const rule of config.imap.hide_capabilities) {
    if (ruleApplies(config, rule, audience)) for (const name of rule.capabilities) hidden.add(name);
  }
  return hidden;
}

/** A rule's name hides the capability of that name, and a numeric-valued one by its bare name (`APPENDLIMIT` hides `APPENDLIMIT=26214400`). */
export function isHidden(hidden: ReadonlySet<string>, capability: string): boolean {
  const upper = capability.toUpperCase();
  if (hidden.has(upper)) return true;
  const valued = /^([^=]+)=\d+$/.exec(upper);
  return valued !== null && hidden.has(valued[1]!);
}

function ruleApplies(config: Config, rule: HideRule, audience: CapabilityAudience): boolean {
  if (rule.client !== '' && !(audience.clientId ?? '').toLowerCase().includes(rule.client.toLowerCase())) return false;
  if (rule.accounts.length === 0) return true;
  const login = audience.login;
  if (!login) return false;
  return rule.accounts.some((entry) => namesLogin(config, entry, login.person) || namesLogin(config, entry, login.account));
}

/** DESIGN.md "Login names": the full address, or the bare tên_sd for the primary domain. */
function namesLogin(config: Config, entry: string, address: string): boolean {
  const lower = address.toLowerCase();
  return entry.includes('@') ? entry === lower : `${entry}@${config.server.domain.toLowerCase()}` === lower;
}
