import { createHash } from 'node:crypto';
import type { BayesClass, BayesStore, BayesTokenCounts, LearnOutcome } from '../../store/bayes.js';
import { readMessage, type MessageView } from '../message.js';
import { spamProbability, type BayesResult } from './classifier.js';
import { tokenize } from './tokenize.js';

/**
 * Bayes learning and scoring over the store's token tables. `train`/`untrain` are what the CLI
 * (`spam train`) and IMAP (a user moving mail into or out of Junk) call.
 */
export class BayesLearner {
  constructor(private readonly store: BayesStore) {}

  /**
   * Learns a message as spam or ham; re-learning one already learnt as the other class moves it
   * over. `view`: the message already read (on a worker thread, with its tokens), else it is read here.
   */
  async train(kind: BayesClass, raw: Buffer, view?: MessageView): Promise<LearnOutcome> {
    const message = view ?? (await readMessage(raw));
    return this.store.learn(messageDigest(raw), kind, message.bayesTokens ?? tokenize(message));
  }

  /** Forgets a learnt message (it left Junk and the user did not say what it is); false when it was never learnt. */
  async untrain(raw: Buffer, view?: MessageView): Promise<boolean> {
    const message = view ?? (await readMessage(raw));
    return this.store.forget(messageDigest(raw), message.bayesTokens ?? tokenize(message));
  }

  /** Counts of learnt messages, to decide whether Bayes has seen enough to speak. */
  totals(): { spam: number; ham: number } {
    return this.store.totals();
  }

  /** `totals`: what the caller already read from totals(), so one message costs one count query. */
  classify(message: MessageView, totals: BayesTokenCounts = this.store.totals()): BayesResult {
    const tokens = message.bayesTokens ?? tokenize(message);
    return spamProbability(tokens, this.store.tokenCounts(tokens), totals);
  }
}

/** A message is identified by the SHA-256 of its bytes: the same copy trained twice counts once. */
export function messageDigest(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}
