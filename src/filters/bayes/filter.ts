import { scoreVerdict, type Filter } from '../filter.js';
import type { BayesLearner } from './learn.js';

/**
 * Bayes' spam probability p, used continuously instead of a few coarse bands that threw it away:
 * it adds `weight × clamp(log10(p / (1 − p)), −4, 4) / 4` (the rules file's `[bayes] weight`),
 * from −weight (p ≤ 0.0001) through 0 (p = 0.5) to +weight (p ≥ 0.9999). Log-odds rather than p
 * itself: Robinson–Fisher's p crowds near 0 and 1, and the difference between 0.99 and 0.9999 is
 * where spam and commercial-looking ham part (measured in bench/spam.ts: at 0.2 % false
 * positives a linear map caught 82 % of spam, log-odds 93 %). Silent until `min_spam` and
 * `min_ham` messages have been learnt: an untrained filter would only add noise.
 */
const MAX_LOG_ODDS = 4;
export function createBayesFilter(learner: BayesLearner): Filter {
  return {
    name: 'bayes',
    async check(message, _context, rules) {
      const settings = rules.bayes;
      if (!settings.enabled) return { verdict: scoreVerdict([]) };
      const totals = learner.totals();
      if (totals.spam < settings.min_spam || totals.ham < settings.min_ham) return { verdict: scoreVerdict([]) };
      const { probability, tokensUsed } = learner.classify(message.facts.bayesTokens, totals);
      const score = Math.round(settings.weight * bayesStrength(probability) * 100) / 100;
      const description = `Bayes spam probability ${probability.toFixed(4)} from ${tokensUsed} tokens, × weight ${settings.weight}`;
      return { verdict: scoreVerdict([{ id: 'bayes', score, description }]) };
    },
  };
}

/** clamp(log10(p / (1 − p)), −4, 4) / 4: Bayes' opinion from −1 (surely ham) to 1 (surely spam). */
export function bayesStrength(probability: number): number {
  const p = Math.min(Math.max(probability, 1e-12), 1 - 1e-12);
  return Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, Math.log10(p / (1 - p)))) / MAX_LOG_ODDS;
}
