import { compileSieve } from './compile.js';
import { SievePolicyError } from './errors.js';
import type { Command, SieveProgram } from './program.js';

/**
 * Điều 8.5 (work mail must not leave for outside personal mailboxes): where a redirect may go,
 * from `[sieve] external_redirect` and `redirect_allow`. Checked when a script is saved (a clear
 * refusal at the redirect's line) and again when it runs, since the setting may have changed since.
 */
export interface RedirectPolicy {
  readonly mode: 'deny' | 'allow-listed' | 'allow';
  /** Addresses or domains, lowercase. */
  readonly allow: readonly string[];
  isLocalDomain(domain: string): boolean;
}

/** The policy of the `[sieve]` table; `isLocalDomain` is the directory's. */
export function redirectPolicy(settings: { readonly external_redirect: RedirectPolicy['mode']; readonly redirect_allow: readonly string[] }, isLocalDomain: (domain: string) => boolean): RedirectPolicy {
  return { mode: settings.external_redirect, allow: settings.redirect_allow, isLocalDomain };
}

export function redirectAllowed(address: string, policy: RedirectPolicy): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  if (policy.isLocalDomain(domain)) return true;
  if (policy.mode === 'allow') return true;
  return policy.mode === 'allow-listed' && (policy.allow.includes(address.toLowerCase()) || policy.allow.includes(domain));
}

/** What a script must pass to be saved: the grammar and known commands (SieveSyntaxError), then the redirect policy (SievePolicyError). */
export function checkSieveScript(text: string, policy: RedirectPolicy): SieveProgram {
  const program = compileSieve(text);
  for (const redirect of redirects(program.commands)) {
    if (!redirectAllowed(redirect.address, policy)) {
      throw new SievePolicyError(
        redirect.at.line,
        redirect.at.column,
        `redirect to ${redirect.address} is not allowed: mail may be forwarded only inside our domains (Điều 8.5, [sieve] external_redirect)`,
      );
    }
  }
  return program;
}

function* redirects(commands: readonly Command[]): Generator<Extract<Command, { kind: 'redirect' }>> {
  for (const command of commands) {
    if (command.kind === 'redirect') yield command;
    if (command.kind === 'if') {
      for (const branch of command.branches) yield* redirects(branch.block);
      if (command.otherwise) yield* redirects(command.otherwise);
    }
  }
}
