import { scoreVerdict, type Filter } from '../filter.js';
import type { BayesLearner } from './learn.js';

/**
 * Bayes' spam probability, mapped to a score by the `[[bayes.band]]` table of the rules file
 * (first band with from ≤ p < to; a band ending at 1 includes 1). Silent until `min_spam` and
 * `min_ham` messages have been learnt: an untrained filter would only add noise.
 */
export function createBayesFilter(learner: BayesLearner): Filter {
  return {
    name: 'bayes',
    async check(message, _context, rules) {
      const settings = rules.bayes;
      if (!settings.enabled) return { verdict: scoreVerdict([]) };
      const totals = learner.totals();
      if (totals.spam < settings.min_spam || totals.ham < settings.min_ham) return { verdict: scoreVerdict([]) };
      const { probability, tokensUsed } = learner.classify(message.facts.bayesTokens, totals);
      const band = settings.band.find((b) => b.from <= probability && (probability < b.to || (b.to === 1 && probability === 1)));
      const description = `Bayes spam probability ${probability.toFixed(4)} from ${tokensUsed} tokens`;
      // Between bands: reported (so `spam test` shows what Bayes thought) with no score.
      return { verdict: scoreVerdict([{ id: band ? `bayes:${band.id}` : 'bayes', score: band?.score ?? 0, description }]) };
    },
  };
}
