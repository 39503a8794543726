import { scoreVerdict, type Filter } from '../filter.js';
import type { VerdictReason } from '../verdict.js';
import type { BayesResult } from './classifier.js';
import type { BayesChannels, BayesLearner } from './learn.js';

/**
 * Bayes judges a message twice, from two kinds of token (tokenize.ts isHeaderToken): how it was
 * made and sent (headers, MIME structure, HTML shape, links: what the sender's software writes)
 * and what it says (subject and body words: what the sender writes). Two opinions rather than
 * one: a hard legitimate message (a newsletter, an advertisement someone asked for) usually looks
 * like spam in only one of them, and the two agreeing is the confirmation the safe defaults ask
 * for. Measured in 5-fold cross-validation of the training corpus (bench/spam.ts), at the score
 * threshold that lets 4 of 2,055 ham through: one opinion over all tokens caught 96.0 % of spam,
 * the two added 97.2 % (both with the rules; Robinson's s = 0.45 then).
 *
 * Each opinion's probability p is used continuously: it adds
 * `weight × clamp(log10(p / (1 − p)), −6, 6) / 6` (the rules file's `[bayes] weight`), from
 * −weight (p ≤ 10⁻⁶) through 0 (p = 0.5) to +weight (p ≥ 1 − 10⁻⁶). Log-odds rather than p itself:
 * Robinson–Fisher's p crowds near 0 and 1, and the difference between 0.99 and 0.9999 is where
 * spam and commercial-looking ham part. Silent until `min_spam` and `min_ham` messages have been
 * learnt: an untrained filter would only add noise.
 *
 * docs/architecture.md "Spam filtering", the safe defaults: an opinion is *extreme* when it is at
 * its cap (p ≥ 1 − 10⁻⁶); it is *confirmed* when the other opinion also leans to spam (p > 0.5),
 * or leans to ham so little that the two opinions' scores together still reach junk_at. An
 * opinion neither extreme nor confirmed needs another reason (a rule, a near-duplicate, a list)
 * to move mail to Junk.
 *
 * The second way to confirm: spam posted to a mailing list (or a long scam letter) often reads
 * like the list's ham in one opinion, which then says 0.2–0.5 while the other says 0.98–0.9999.
 * Measured in the corpus' cross-validation (bench/spam.ts): 3 more of 983 spam caught (worst fold
 * 93.9 % → 94.9 %), no more false positives, against the other opinion's p > 0.5 alone.
 */
const MAX_LOG_ODDS = 6;
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
      const reasons = bayesOpinions(learner.classify(message.facts.bayesTokens, totals), settings.weight, rules.thresholds.junk_at);
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

/**
 * Bayes' two opinions as reasons, each confirmed by the other when the other leans to spam or when
 * both together score `junkAt` or more (the rules file's threshold).
 */
export function bayesOpinions({ headers, text }: BayesChannels, weight: number, junkAt: number): VerdictReason[] {
  const together = weight * (bayesStrength(headers.probability) + bayesStrength(text.probability));
  const confirmedTogether = together >= junkAt;
  return [
    opinion('bayes:BAYES_HEADERS', 'how it was made and sent (headers, MIME structure, links)', headers, text, weight, confirmedTogether),
    opinion('bayes:BAYES_TEXT', 'what it says (subject and body words)', text, headers, weight, confirmedTogether),
  ];
}

/** One of Bayes' two opinions as a reason; `other`: the other opinion, which may confirm it. */
function opinion(id: string, what: string, own: BayesResult, other: BayesResult, weight: number, confirmedTogether: boolean): VerdictReason {
  const strength = bayesStrength(own.probability);
  const score = Math.round(weight * strength * 100) / 100;
  const description = `Bayes spam probability ${own.probability.toFixed(6)} from ${own.tokensUsed} tokens of ${what}, × weight ${weight}`;
  const sure = strength >= 1 || other.probability > 0.5 || confirmedTogether;
  return { id, score, description, ...(sure ? {} : { needsConfirmation: true }) };
}

/** clamp(log10(p / (1 − p)), −6, 6) / 6: one Bayes opinion from −1 (surely ham) to 1 (surely spam). */
export function bayesStrength(probability: number): number {
  const p = Math.min(Math.max(probability, 1e-12), 1 - 1e-12);
  return Math.max(-MAX_LOG_ODDS, Math.min(MAX_LOG_ODDS, Math.log10(p / (1 - p)))) / MAX_LOG_ODDS;
}
