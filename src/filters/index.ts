/**
 * src/filters: the one pipeline every message passes, inbound (MX) and outbound (submission).
 * Order: virus (clamd) → allow/block lists → spam rules → Bayes; see pipeline.ts.
 *
 * For the composition root (src/server.ts): createFilterPipeline(config, deps) once, `reloadRules()`
 * on SIGHUP, `close()` at shutdown; a RulesFileError at start-up is a config error.
 * For SMTP: `check(raw, context)` → Verdict, or `begin(received)` … `finish(raw, context)` to let the
 * virus scan run while the edge authenticates the message; after refusing an outbound message, record
 * violationFromVerdict(verdict, context) with the directory's recordViolation.
 * For IMAP: BayesLearner.train('spam' | 'ham', raw) when a user moves mail into or out of Junk.
 */
export { BayesLearner, messageDigest } from './bayes/learn.js';
export { clamdTarget, describeClamdTarget, pingClamd, type ClamdTarget } from './clamd.js';
export { READ_MESSAGE_VIEW, type MessageView } from './message.js';
export { createFilterPipeline, type FilterDeps, type RunningFilterPipeline } from './pipeline.js';
export { formatRulesError, type RulesError } from './rules/errors.js';
export { loadRulesFile, type RulesLoadResult } from './rules/load.js';
export { RulesFileError } from './rules/watch.js';
export type { FilterContext, FilterPipeline, PendingCheck, Verdict, VerdictAction, VerdictReason } from './verdict.js';
export { violationFromVerdict, type FilterViolation } from './violation.js';
