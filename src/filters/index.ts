/**
 * src/filters: the one pipeline every message passes, inbound (MX) and outbound (submission).
 * Order: virus (clamd) → allow/block lists → spam rules → Bayes; see pipeline.ts.
 *
 * For the composition root (src/server.ts): createFilterPipeline(config, deps) once, `reloadRules()`
 * on SIGHUP, `close()` at shutdown; a RulesFileError at start-up is a config error.
 * For SMTP: `check(raw, context)` → Verdict, or `begin(received)` … `finish({ facts }, context)` to let
 * the virus scan run while the edge authenticates the message, the edge reading the message's facts
 * (messageFacts under `rulesOf(env.shared(ref))`, `pending.rules` handed to the pool as the job's
 * shared input, its `ref` in the job's input) in its own worker job; after refusing an outbound message, record
 * violationFromVerdict(verdict, context) with the directory's recordViolation.
 * For IMAP: BayesLearner.train('spam' | 'ham', raw) when a user moves mail into or out of Junk.
 */
export { BayesLearner, messageDigest } from './bayes/learn.js';
export { clamdTarget, describeClamdTarget, pingClamd, type ClamdTarget } from './clamd.js';
export { MESSAGE_FACTS, messageFacts, type MessageFacts, type MessageView } from './message.js';
export { createFilterPipeline, type FilterDeps, type RunningFilterPipeline } from './pipeline.js';
export { formatRulesError, type RulesError } from './rules/errors.js';
export { loadRulesFile, type RulesLoadResult } from './rules/load.js';
export { rulesOf, snapshotOf } from './rules/snapshot.js';
export { RulesFileError } from './rules/watch.js';
export type { CheckedContent, FilterContext, FilterPipeline, PendingCheck, RulesSnapshot, ScannedBytes, Verdict, VerdictAction, VerdictReason } from './verdict.js';
export { violationFromVerdict, type FilterViolation } from './violation.js';
export { readMessages } from './bayes/sources.js';
export { tuneRulesFile } from './tune/tune.js';
