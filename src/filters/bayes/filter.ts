import { scoreVerdict, type Filter } from '../filter.js';
import type { VerdictReason } from '../verdict.js';
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
/**
 * A learnt message shares this many of the 16 fingerprint bands with a near-duplicate: about
 * 0.8 Jaccard similarity of the bodies' syllable pairs (bayes/fingerprint.ts). Measured in the
 * corpus' cross-validation: 380 of 983 spam had a learnt spam this near, no ham did.
 */
const NEAR_DUPLICATE_BANDS = 6;

export function createBayesFilter(learner: BayesLearner): Filter {
  return {
    name: 'bayes',
    async check(message, _context, rules) {
      const settings = rules.bayes;
      if (!settings.enabled) return { verdict: scoreVerdict([]) };
      const totals = learner.totals();
      if (totals.spam < settings.min_spam || totals.ham < settings.min_ham) return { verdict: scoreVerdict([]) };
      const { probability, tokensUsed } = learner.classify(message.facts.bayesTokens, totals);
      const strength = bayesStrength(probability);
      const score = Math.round(settings.weight * strength * 100) / 100;
      const description = `Bayes spam probability ${probability.toFixed(4)} from ${tokensUsed} tokens, × weight ${settings.weight}`;
      // docs/architecture.md "Spam filtering": short of certainty (|log-odds| at its cap), Bayes
      // alone never junks an official's mail; another signal must agree.
      const reasons: VerdictReason[] = [{ id: 'bayes', score, description, ...(strength < 1 ? { needsConfirmation: true } : {}) }];
      const fingerprint = message.facts.bodyFingerprint;
      if (fingerprint !== null && settings.near_duplicate !== 0) {
        const near = learner.nearest(fingerprint);
        if (near.spam >= NEAR_DUPLICATE_BANDS && near.spam > near.ham) {
          reasons.push({ id: 'bayes:NEAR_LEARNT_SPAM', score: settings.near_duplicate, description: `body nearly the same as mail learnt as spam (${near.spam} of 16 fingerprint bands)` });
        } else if (near.ham >= NEAR_DUPLICATE_BANDS && near.ham > near.spam) {
          reasons.push({ id: 'bayes:NEAR_LEARNT_HAM', score: -settings.near_duplicate, description: `body nearly the same as mail learnt as ham (${near.ham} of 16 fingerprint bands)` });
        }
      }
      return { verdict: scoreVerdict(reasons) };
    },
  };
}

/** clamp(log10(p / (1 − p)), −4, 4) / 4: Bayes' opinion from −1 (surely ham) to 1 (surely spam). */
export function bayesStrength(probability: number): number {
  const p = Math.min(Math.max(probability, 1e-12), 1 - 1e-12);
  return Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, Math.log10(p / (1 - p)))) / MAX_LOG_ODDS;
}
