import pino from 'pino';
import { bayesStrength } from '../bayes/filter.js';
import { classifyChannels } from '../bayes/learn.js';
import { tokenize } from '../bayes/tokenize.js';
import { DnsblChecker } from '../dnsbl.js';
import type { MessageView } from '../message-view.js';
import type { RuleSet } from '../rules/compile.js';
import { matchTextRules } from '../rules/match.js';
import { createSpamRulesFilter } from '../spam-rules.js';
import type { FilterContext } from '../verdict.js';
import type { Sample } from './fit.js';

/**
 * What the filter sees in each labelled message, cross-validated: the messages are split into k
 * folds by position within their class, and each fold's messages are judged by a Bayes that
 * learnt only the other folds (in memory, the same tokens and combining as the store's Bayes), so
 * the Bayes feature is what it will be on mail it has not seen. DNSBL rules are not asked (no
 * client IP): their scores stay the admin's.
 */
export interface LabelledView {
  readonly view: MessageView;
  readonly spam: boolean;
}

const CONTEXT: FilterContext = { direction: 'inbound', remoteIp: '', helo: '', mailFrom: '', recipients: [], authenticatedAs: null };

export async function crossValidatedSamples(messages: readonly LabelledView[], rules: RuleSet, k: number): Promise<Array<Sample & { fold: number }>> {
  const position = { spam: 0, ham: 0 };
  const folds = messages.map((m) => (m.spam ? position.spam++ : position.ham++) % k);
  const tokens = messages.map((m) => m.view.bayesTokens ?? tokenize(m.view));
  const filter = createSpamRulesFilter(new DnsblChecker(async () => [], pino({ level: 'silent' })));
  const samples: Array<Sample & { fold: number }> = [];
  for (let fold = 0; fold < k; fold++) {
    const counts = new Map<string, { spam: number; ham: number }>();
    const totals = { spam: 0, ham: 0 };
    messages.forEach((m, i) => {
      if (folds[i] === fold) return;
      const kind = m.spam ? 'spam' : 'ham';
      totals[kind]++;
      for (const token of new Set(tokens[i])) {
        const c = counts.get(token) ?? { spam: 0, ham: 0 };
        c[kind]++;
        counts.set(token, c);
      }
    });
    for (let i = 0; i < messages.length; i++) {
      if (folds[i] !== fold) continue;
      const view = messages[i]!.view;
      const facts = { size: view.size, from: view.from, fromAddress: view.fromAddress, parseProblem: view.parseProblem, bayesTokens: tokens[i]!, bodyFingerprint: null, textRuleHits: matchTextRules(view, rules, 'inbound') };
      const { verdict } = await filter.check({ facts }, CONTEXT, rules);
      const features = new Map<string, number>(verdict.reasons.map((r) => [r.id.replace(/^spam:/, ''), 1]));
      // One weight for both of Bayes' opinions (bayes/filter.ts), as `[bayes] weight` is one.
      const { headers, text } = classifyChannels(tokens[i]!, counts, totals);
      features.set('BAYES', bayesStrength(headers.probability) + bayesStrength(text.probability));
      samples.push({ features, spam: messages[i]!.spam, fold });
    }
  }
  return samples;
}
