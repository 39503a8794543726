import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { DnsResolver } from '../context.js';
import { filterDuration } from '../metrics.js';
import type { WorkerPool } from '../workers/index.js';
import { createBayesFilter } from './bayes/filter.js';
import { createBulkFilter } from './bulk.js';
import type { BayesLearner } from './bayes/learn.js';
import { DnsblChecker } from './dnsbl.js';
import type { Filter, FilterOutcome } from './filter.js';
import { createImpersonationFilter, type OfficialNames } from './impersonation.js';
import { tokenize } from './bayes/tokenize.js';
import { BAYES_TOKENS, MESSAGE_FACTS, messageFacts, readMessage, type MessageFacts } from './message.js';
import type { RuleSet } from './rules/compile.js';
import type { RulesLoadResult } from './rules/load.js';
import { snapshotOf } from './rules/snapshot.js';
import { RulesHolder } from './rules/watch.js';
import { createSenderListFilter } from './sender-lists.js';
import { createSpamRulesFilter } from './spam-rules.js';
import type { CheckedContent, FilterContext, FilterPipeline, PendingCheck, ScannedBytes, Verdict, VerdictReason } from './verdict.js';
import { createVirusFilter } from './virus.js';

export interface FilterDeps {
  readonly logger: Logger;
  readonly resolver: DnsResolver;
  /** Bayes over the store's token tables; null leaves Bayes out. */
  readonly bayes: BayesLearner | null;
  /** Scan with clamd; default `[clamav] enabled`. `spam test --no-virus` turns it off. */
  readonly virus?: boolean;
  /** Reload the rules file when it changes on disk; default true (the CLI passes false). */
  readonly watchRules?: boolean;
  /** Where messages are parsed (src/workers); without it, in this thread (the CLI's `spam test`). */
  readonly workers?: WorkerPool;
  /** Names in the directory, for the impersonation filter; none by default. */
  readonly officialNames?: OfficialNames;
}

/** The pipeline plus what the server's signal handling and shutdown need. */
export interface RunningFilterPipeline extends FilterPipeline {
  /** SIGHUP: re-read the rules file now. */
  reloadRules(): RulesLoadResult;
  /** The rule set the next message will be checked against. */
  currentRules(): RuleSet;
  close(): void;
}

/**
 * Composes the filters once from config, in order: virus (so that allow-listed senders are still
 * scanned; it reads only the bytes and runs alongside the others), allow/block lists, spam rules,
 * Bayes. Used by MX intake (direction "inbound") and by submission ("outbound"). Throws
 * RulesFileError when the rules file is unusable at start-up.
 */
export function createFilterPipeline(config: Config, deps: FilterDeps): RunningFilterPipeline {
  const logger = deps.logger.child({ component: 'filters' });
  const holder = new RulesHolder(config.paths.spamRules, logger);
  if (deps.watchRules ?? true) holder.watch();

  const virus = (deps.virus ?? config.clamav.enabled) ? createVirusFilter(config.clamav, logger) : null;
  const filters: Filter[] = [
    createSenderListFilter(),
    createImpersonationFilter(config.spam, config.localDomains, deps.officialNames ?? (() => [])),
    createSpamRulesFilter(new DnsblChecker(deps.resolver, logger)),
  ];
  if (deps.bayes) filters.push(createBayesFilter(deps.bayes));
  filters.push(createBulkFilter());

  /** The facts of the bytes, read on a worker when there are workers. */
  const factsOf = (raw: Buffer, context: FilterContext, rules: RuleSet): Promise<MessageFacts> =>
    deps.workers
      ? deps.workers.run(MESSAGE_FACTS, { raw, rules: snapshotOf(rules).ref, direction: context.direction }, context.queueId ?? 'message', raw.length, { shared: [snapshotOf(rules)] })
      : messageFacts(raw, rules, context.direction);

  /** A message's Bayes tokens (MIME text, HTML→text, tokenizing), on a worker thread when the pool is there. */
  const tokensOf = async (raw: Buffer, label: string): Promise<readonly string[]> =>
    deps.workers ? deps.workers.run(BAYES_TOKENS, raw, label, raw.length) : tokenize(await readMessage(raw));

  /** Reading and the content filters in order; a refusal or a `final` outcome stops the ones after it. */
  const checkContent = async (content: CheckedContent, context: FilterContext, rules: RuleSet): Promise<Verdict[]> => {
    const message = { facts: 'facts' in content ? content.facts : await factsOf(content.raw, context, rules) };
    const verdicts: Verdict[] = [];
    for (const filter of filters) {
      const done = filterDuration.startTimer({ filter: filter.name });
      const outcome = await filter.check(message, context, rules);
      done();
      verdicts.push(outcome.verdict);
      if (stops(outcome)) break;
    }
    return verdicts;
  };

  const begin = (received: ScannedBytes): PendingCheck => {
    // clamd scans in its own process: the scan runs while the edge and the content filters work,
    // instead of before them.
    const scan = virus ? timed(virus.name, virus.check(received)) : null;
    const rules = holder.current();
    return {
      rules: snapshotOf(rules),
      async finish(message, context) {
        const content = checkContent(message, context, rules);
        // Judged after the scan; until then a failure must not count as unhandled.
        content.catch(() => undefined);
        const scanned = scan ? await scan : null;
        // The verdict is the same as in order: a virus refusal drops the content verdicts (and
        // any content failure), as if those filters had not run.
        const verdicts: Verdict[] = scanned ? [scanned.verdict] : [];
        if (!scanned || !stops(scanned)) verdicts.push(...(await content));
        const verdict = combineVerdicts(verdicts, rules, context);
        logger.debug({ direction: context.direction, action: verdict.action, score: verdict.score, reasons: verdict.reasons.map((r) => r.id) }, 'filter verdict');
        return verdict;
      },
    };
  };

  return {
    check: (raw, context) => begin(raw).finish({ raw }, context),
    begin,
    // A user filing mail into or out of Junk: parsing and tokenizing (MIME text, HTML→text) run
    // on the workers like any other message's; only the token counts are written here.
    async learn(kind, raw, user) {
      if (!deps.bayes) return;
      const { user_share: share, user_min: floor } = holder.current().bayes;
      const outcome = await deps.bayes.train(kind, raw, await tokensOf(raw, `bayes-${kind}`), { user, share, floor });
      if (outcome === 'decided-by-other' || outcome === 'user-share-used') logger.info({ kind, user, outcome }, 'bayes did not learn from a user');
      else logger.debug({ kind, user, outcome }, 'bayes learnt a message');
    },
    async unlearn(raw) {
      if (deps.bayes) await deps.bayes.untrain(raw, await tokensOf(raw, 'bayes-forget'));
    },
    reloadRules: () => holder.reload(),
    currentRules: () => holder.current(),
    close: () => {
      holder.close();
      virus?.close();
    },
  };
}

/** `work` observed in cantho_filter_duration_seconds under `filter`, however it ends. */
function timed<T>(filter: string, work: Promise<T>): Promise<T> {
  const done = filterDuration.startTimer({ filter });
  return work.finally(done);
}

/** A refusal is final: scoring spam in a message we will not take is wasted work. */
function stops(outcome: FilterOutcome): boolean {
  return outcome.final === true || outcome.verdict.action === 'reject' || outcome.verdict.action === 'tempfail';
}

/**
 * Reject and tempfail from any filter win (reject first: a virus found is a certainty, a scanner
 * outage is not); otherwise the scores add up and the rules file's thresholds decide.
 */
export function combineVerdicts(verdicts: readonly Verdict[], rules: RuleSet, context: FilterContext): Verdict {
  const reasons = verdicts.flatMap((v) => v.reasons);
  const score = Math.round(verdicts.reduce((sum, v) => sum + v.score, 0) * 100) / 100;
  const filterHeaders = verdicts.flatMap((v) => v.addHeaders);
  const refusal = verdicts.find((v) => v.action === 'reject') ?? verdicts.find((v) => v.action === 'tempfail');
  if (refusal) {
    return { action: refusal.action, score, reasons, ...(refusal.reply ? { reply: refusal.reply } : {}), addHeaders: filterHeaders, subjectTag: null };
  }

  const t = rules.thresholds;
  // docs/architecture.md "Spam filtering": a score made only of statistical guesses short of
  // certainty neither junks nor refuses; it still shows in X-Spam-Status.
  const positive = reasons.filter((r) => r.score > 0);
  const confirmed = positive.length === 0 || positive.some((r) => r.needsConfirmation !== true);
  const byScore = !confirmed ? 'accept' : score >= t.reject_at ? 'reject' : score >= t.junk_at ? 'junk' : 'accept';
  const action = byScore === 'accept' && verdicts.some((v) => v.action === 'junk') ? 'junk' : byScore;
  const addHeaders = [...filterHeaders, ...spamHeaders(score, action !== 'accept', reasons, rules)];
  // A filter's own tag (impersonation) first, then the rules file's spam tag.
  const tags = verdicts.flatMap((v) => (v.subjectTag === null ? [] : [v.subjectTag]));
  if (confirmed && t.tag_subject_at !== undefined && score >= t.tag_subject_at) tags.push(t.subject_tag);
  const subjectTag = tags.length > 0 ? tags.join(' ') : null;
  const banner = verdicts.find((v) => v.banner !== undefined)?.banner;
  if (action === 'reject') {
    // RFC 5321 §4.2.2/RFC 3463 §3.8: 5.7.1 "delivery not authorized, message refused". Inbound gets
    // 550 as the issue asks; outbound (our own official) gets 554, the same as an infected message.
    const code = context.direction === 'inbound' ? 550 : 554;
    return { action, score, reasons, reply: { code, enhanced: '5.7.1', text: `Message refused as spam (score ${score})` }, addHeaders, subjectTag };
  }
  const thresholds = { junk_at: t.junk_at, reject_at: t.reject_at };
  return { action, score, reasons, addHeaders, subjectTag, thresholds, ...(banner === undefined ? {} : { banner }) };
}

/** X-Spam-Score and X-Spam-Status in the SpamAssassin shape admins and mail clients know. */
function spamHeaders(score: number, isSpam: boolean, reasons: readonly VerdictReason[], rules: RuleSet): Array<[string, string]> {
  const tests = reasons
    .filter((r) => !r.id.startsWith('virus'))
    .map((r) => `${r.id.replace(/^(spam|bayes|bulk):/, '')}=${r.score}`)
    .join(',');
  const t = rules.thresholds;
  return [
    ['X-Spam-Score', score.toFixed(1)],
    ['X-Spam-Status', `${isSpam ? 'Yes' : 'No'}, score=${score.toFixed(1)} junk_at=${t.junk_at} reject_at=${t.reject_at} tests=${tests || 'none'}`],
  ];
}
