import { createHash } from 'node:crypto';
import type { BayesClass, BayesStore, BayesTokenCounts, LearnOutcome, NearestLearnt, UserLearning } from '../../store/index.js';
import { readMessage } from '../message.js';
import { spamProbability, type BayesResult } from './classifier.js';
import { bodyFingerprint } from './fingerprint.js';
import { isHeaderToken, tokenize } from './tokenize.js';

/**
 * Bayes learning and scoring over the store's token tables. `train`/`untrain` are what the CLI
 * (`spam train`) and IMAP (a user moving mail into or out of Junk) call.
 */
export class BayesLearner {
  constructor(private readonly store: BayesStore) {}

  /**
   * Learns a message as spam or ham; re-learning one already learnt as the other class moves it
   * over. `tokens`: the message's tokens already read (on a worker thread), else it is read here.
   * `by`: a user's Junk move, limited as UserLearning says; absent for an admin's training.
   */
  async train(kind: BayesClass, raw: Buffer, tokens?: readonly string[], by?: UserLearning): Promise<LearnOutcome> {
    const read = tokens ?? tokenize(await readMessage(raw));
    return this.store.learn(messageDigest(raw), kind, read, bodyFingerprint(read), by);
  }

  /** Forgets a learnt message (it left Junk and the user did not say what it is); false when it was never learnt. */
  async untrain(raw: Buffer, tokens?: readonly string[]): Promise<boolean> {
    return this.store.forget(messageDigest(raw), tokens ?? tokenize(await readMessage(raw)));
  }

  /** Counts of learnt messages, to decide whether Bayes has seen enough to speak. */
  totals(): { spam: number; ham: number } {
    return this.store.totals();
  }

  /**
   * Bayes' probabilities for the message's two kinds of token apart (bayes/filter.ts), from one
   * count query. `tokens`: bayes/tokenize.ts's; `totals`: what the caller already read from totals().
   */
  classify(tokens: readonly string[], totals: BayesTokenCounts = this.store.totals()): BayesChannels {
    return classifyChannels(tokens, this.store.tokenCounts(tokens), totals);
  }

  /** How near a body with this fingerprint (bayes/fingerprint.ts) comes to learnt spam and ham. */
  nearest(fingerprint: readonly number[]): NearestLearnt {
    return this.store.nearest(fingerprint);
  }
}

/** Bayes' opinion of how a message was made and sent, and of what it says (tokenize.ts isHeaderToken). */
export interface BayesChannels {
  readonly headers: BayesResult;
  readonly text: BayesResult;
}

export function classifyChannels(tokens: readonly string[], counts: ReadonlyMap<string, BayesTokenCounts>, totals: BayesTokenCounts): BayesChannels {
  const headers = tokens.filter(isHeaderToken);
  const text = tokens.filter((token) => !isHeaderToken(token));
  return { headers: spamProbability(headers, counts, totals), text: spamProbability(text, counts, totals) };
}

/** A message is identified by the SHA-256 of its bytes: the same copy trained twice counts once. */
export function messageDigest(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}
