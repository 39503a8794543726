import type { DnsblChecker } from './dnsbl.js';
import { scoreVerdict, type Filter } from './filter.js';
import type { CompiledRule } from './rules/compile.js';
import type { VerdictReason } from './verdict.js';

/**
 * Runs every rule of the current rule set that applies to this direction. A rule scores once
 * however often it matches. Text rules were matched where the message was read (rules/match.ts,
 * on a worker thread for SMTP): here their ids are looked up, in file order. DNSBL rules ask
 * about the connecting client, so they run for inbound mail only, all zones in parallel, each
 * bounded by `[dnsbl] timeout_ms`.
 */
export function createSpamRulesFilter(dnsbl: DnsblChecker): Filter {
  return {
    name: 'rules',
    async check(message, context, rules) {
      const facts = message.facts;
      const textHits = new Set(facts.textRuleHits);
      const reasons: VerdictReason[] = [];
      if (facts.parseProblem !== null && rules.parser.unparsable_score !== 0) {
        reasons.push({ id: 'spam:MIME_UNPARSABLE', score: rules.parser.unparsable_score, description: `MIME structure not parsable: ${facts.parseProblem}` });
      }
      const lookups: Promise<VerdictReason | null>[] = [];
      for (const rule of rules.rules) {
        if (rule.direction !== 'both' && rule.direction !== context.direction) continue;
        if (rule.kind === 'dnsbl') {
          if (context.direction === 'inbound' && context.remoteIp !== '') {
            lookups.push(
              dnsbl
                .check(context.remoteIp, rule.zone, rule.answers, { timeoutMs: rules.dnsbl.timeout_ms, cacheSeconds: rules.dnsbl.cache_seconds })
                .then((answer) => (answer === 'listed' ? hit(rule) : null)),
            );
          }
          continue;
        }
        if (rule.kind === 'text' || rule.kind === 'structural' ? textHits.has(rule.id) : rule.test(facts, context)) reasons.push(hit(rule));
      }
      for (const reason of await Promise.all(lookups)) if (reason) reasons.push(reason);
      return { verdict: scoreVerdict(reasons) };
    },
  };
}

function hit(rule: CompiledRule): VerdictReason {
  return { id: `spam:${rule.id}`, score: rule.score, description: rule.description };
}
