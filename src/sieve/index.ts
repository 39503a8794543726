/**
 * src/sieve: officials' mail filters (Sieve, RFC 5228) run at final delivery, out-of-office
 * replies (RFC 5230 within RFC 3834), and the ManageSieve listener (RFC 5804).
 *
 * Notes and invariants:
 * - A script is text in the store (src/store/sieve.ts); it is checked (grammar, extensions,
 *   redirect policy) before it is saved, so the previous script stays active when a new one is
 *   refused. Errors carry line:column (errors.ts).
 * - Reading a script is linear in its size and bounded by limits.ts; the language has no loops,
 *   and matching work is bounded per run (budget.ts), so no script can hang delivery. Scripts run
 *   on the worker pool (evaluate.ts) within `[limits] message_cpu_budget`.
 * - A script that fails at run time, or a worker that gives up, means an implicit keep and a log
 *   line: a message is never lost because of a script.
 * - What runs where: parser.ts (RFC 5228 §8 grammar) → compile.ts / compile-tests.ts (commands,
 *   tests, `require`) → interpreter.ts (§2.10 actions, imap4flags, reject) with match.ts (§2.7,
 *   RFC 5231 relational), variables.ts (RFC 5229), dates.ts (RFC 5260), body.ts (RFC 5173
 *   :raw/:content over a bounded prefix); vacation.ts (RFC 5230/3834 rules and the reply);
 *   spamtest.ts (RFC 5235 values from our verdict); policy.ts (Điều 8.5 redirects).
 * - ManageSieve (managesieve/): one command at a time per connection; input pulled from the
 *   socket line by line and literal by literal, each bounded before it is read; a script is
 *   saved only after checkSieveScript passes.
 * - The web page's and `person vacation`'s simple rules are one generated script (mail-rules.ts,
 *   account-rules.ts) that carries its rules; a script edited by hand is never overwritten by them.
 */
export { accountRules, HandWrittenScriptError, saveAccountRules, type AccountRules } from './account-rules.js';
export { SIEVE_EXTENSIONS } from './capabilities.js';
export { compileSieve } from './compile.js';
export { SievePolicyError, SieveScriptError, SieveSyntaxError } from './errors.js';
export { RUN_SIEVE, type SieveOutcome, type SieveTaskInput } from './evaluate.js';
export { sieveVerdictValues } from './spamtest.js';
export { SIEVE_LIMITS } from './limits.js';
export {
  datedOutOfOfficeSupported,
  MAIL_RULES_SCRIPT,
  MAX_MAIL_RULES,
  NO_MAIL_RULES,
  outOfOfficeProblems,
  readMailRules,
  renderMailRules,
  type MailRule,
  type MailRules,
  type OutOfOffice,
  type OutOfOfficeProblem,
} from './mail-rules.js';
export { parseSieve } from './parser.js';
export { checkSieveScript, redirectAllowed, redirectPolicy, type RedirectPolicy } from './policy.js';
export { startManageSieve } from './managesieve/listener.js';
export type { SieveFiling, SievePlan } from './types.js';
export { composeVacationReply, type VacationReply } from './vacation.js';
