import type { AccountId, SieveScriptStore } from '../store/index.js';
import { MAIL_RULES_SCRIPT, NO_MAIL_RULES, readMailRules, renderMailRules, type MailRules } from './mail-rules.js';
import { checkSieveScript, type RedirectPolicy } from './policy.js';

/**
 * An account's simple rules as the page and `person vacation` see them: the rules of the active
 * generated script, or — when the active script was written by hand — that script, which they
 * show and never replace (the official manages it with a ManageSieve client).
 */
export type AccountRules =
  | { readonly kind: 'rules'; readonly rules: MailRules }
  | { readonly kind: 'hand-written'; readonly name: string; readonly script: string };

/** Saving the rules would replace a script written by hand. */
export class HandWrittenScriptError extends Error {
  override readonly name = 'HandWrittenScriptError';
  constructor(readonly scriptName: string) {
    super(`the script "${scriptName}" was written by hand; change it with a ManageSieve client, or deactivate it first`);
  }
}

export async function accountRules(store: SieveScriptStore, account: AccountId): Promise<AccountRules> {
  const active = (await store.listScripts(account)).find((s) => s.active);
  if (active !== undefined) {
    const script = (await store.getScript(account, active.name)) ?? '';
    const rules = readMailRules(script);
    return rules === null ? { kind: 'hand-written', name: active.name, script } : { kind: 'rules', rules };
  }
  const own = await store.getScript(account, MAIL_RULES_SCRIPT);
  return { kind: 'rules', rules: own === null ? NO_MAIL_RULES : (readMailRules(own) ?? NO_MAIL_RULES) };
}

/**
 * Writes the rules as the generated script and makes it the active one. Checked like any script
 * (grammar, extensions, Điều 8.5 redirect policy: SieveScriptError) before anything is written,
 * so refused rules leave the previous script in place. Returns the script text.
 */
export async function saveAccountRules(store: SieveScriptStore, account: AccountId, rules: MailRules, policy: RedirectPolicy): Promise<string> {
  const current = await accountRules(store, account);
  if (current.kind === 'hand-written') throw new HandWrittenScriptError(current.name);
  const own = await store.getScript(account, MAIL_RULES_SCRIPT);
  if (own !== null && readMailRules(own) === null) throw new HandWrittenScriptError(MAIL_RULES_SCRIPT);
  const script = renderMailRules(rules);
  checkSieveScript(script, policy);
  await store.putScript(account, MAIL_RULES_SCRIPT, script);
  await store.setActive(account, MAIL_RULES_SCRIPT);
  return script;
}
