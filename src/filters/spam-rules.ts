import { foldVietnamese } from '../text/index.js';
import type { DnsblChecker } from './dnsbl.js';
import { scoreVerdict, type Filter } from './filter.js';
import type { MessageView } from './message.js';
import type { CompiledRule } from './rules/compile.js';
import type { FilterContext, VerdictReason } from './verdict.js';

/**
 * Runs every rule of the current rule set that applies to this direction. A rule scores once
 * however often it matches. DNSBL rules ask about the connecting client, so they run for inbound
 * mail only, all zones in parallel, each bounded by `[dnsbl] timeout_ms`.
 */
export function createSpamRulesFilter(dnsbl: DnsblChecker): Filter {
  return {
    name: 'rules',
    async check(message, context, rules) {
      const view = message.view;
      const reasons: VerdictReason[] = [];
      if (view.parseProblem !== null && rules.parser.unparsable_score !== 0) {
        reasons.push({ id: 'spam:MIME_UNPARSABLE', score: rules.parser.unparsable_score, description: `MIME structure not parsable: ${view.parseProblem}` });
      }
      const texts = new TextCache(view);
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
        if (ruleMatches(rule, view, context, texts)) reasons.push(hit(rule));
      }
      for (const reason of await Promise.all(lookups)) if (reason) reasons.push(reason);
      return { verdict: scoreVerdict(reasons) };
    },
  };
}

function hit(rule: CompiledRule): VerdictReason {
  return { id: `spam:${rule.id}`, score: rule.score, description: rule.description };
}

function ruleMatches(rule: CompiledRule, view: MessageView, context: FilterContext, texts: TextCache): boolean {
  if (rule.kind === 'check') return rule.test(view, context);
  if (rule.kind === 'dnsbl') return false;
  return texts.get(rule.read.key, rule.fold, () => rule.read.read(view)).some(rule.matches);
}

/** Folding a 1 MB body once per message, not once per rule: 200 rules share the folded text. */
class TextCache {
  private readonly cache = new Map<string, readonly string[]>();
  constructor(readonly view: MessageView) {}

  get(key: string, fold: boolean, read: () => readonly string[]): readonly string[] {
    const cacheKey = fold ? `${key}\u0000fold` : key;
    let values = this.cache.get(cacheKey);
    if (values === undefined) {
      values = fold ? this.get(key, false, read).map(foldVietnamese) : read();
      this.cache.set(cacheKey, values);
    }
    return values;
  }
}
