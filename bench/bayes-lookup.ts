/**
 * `npm run bench -- bayes-lookup [--corpus DIR] [--rounds N]`: what Bayes' store lookups cost per
 * message on the main thread (src/store/bayes.ts tokenCounts and nearest; filters/bayes/filter.ts).
 * A fresh SQLite file on tmpfs learns 4 of 5 messages of the corpus' training half
 * (../shared/corpus, message i unless i mod 5 = 0) with the real training code; the fifth it holds
 * out is tokenized once (the time spent learning is printed), then each round looks every held-out message up: the token counts
 * (one query per message), scores them (classifier.ts) and runs the near-duplicate query. Prints the mean per message of each, per
 * round (the first round is the coldest: its later half are new messages after the earlier half's), and a checksum of Bayes' probabilities so a change to
 * the lookups can be shown to give the same verdicts. Nothing asserts a timing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bodyFingerprint } from '../src/filters/bayes/fingerprint.js';
import { BayesLearner, classifyChannels } from '../src/filters/bayes/learn.js';
import { readMessages } from '../src/filters/bayes/sources.js';
import { tokenize } from '../src/filters/bayes/tokenize.js';
import { readMessage } from '../src/filters/message.js';
import { openBayesStore, openDatabase } from '../src/store/index.js';
import { defaultCorpus } from './spam.js';

const HELD_OUT_EVERY = 5;

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { corpus: { type: 'string', default: defaultCorpus() }, rounds: { type: 'string', default: '3' } } });
  const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = mkdtempSync(path.join(base, 'cm-bayes-lookup-'));
  const db = openDatabase(path.join(dir, 'bayes.sqlite'));
  try {
    const store = openBayesStore(db);
    const learner = new BayesLearner(store);
    const heldOut: string[][] = [];
    let trainMs = 0;
    for (const kind of ['spam', 'ham'] as const) {
      let i = 0;
      for await (const raw of readMessages(path.join(values.corpus, `train-${kind}.mbox`))) {
        if (i++ % HELD_OUT_EVERY === 0) heldOut.push(tokenize(await readMessage(raw)));
        else {
          const started = performance.now();
          await learner.train(kind, raw);
          trainMs += performance.now() - started;
        }
      }
    }
    const totals = learner.totals();
    const tokens = heldOut.reduce((sum, t) => sum + new Set(t).size, 0);
    console.log(`learnt ${totals.spam} spam, ${totals.ham} ham in ${(trainMs / 1000).toFixed(1)} s; ${heldOut.length} held-out messages, ${(tokens / heldOut.length).toFixed(0)} distinct tokens each on average`);
    for (let round = 1; round <= Number(values.rounds); round++) {
      let countsMs = 0;
      let scoringMs = 0;
      let laterHalfCountsMs = 0;
      let nearestMs = 0;
      let checksum = 0;
      for (const [index, messageTokens] of heldOut.entries()) {
        const started = performance.now();
        const counts = store.tokenCounts(messageTokens);
        const counted = performance.now();
        const channels = classifyChannels(messageTokens, counts, totals);
        const classified = performance.now();
        const fingerprint = bodyFingerprint(messageTokens);
        const fingerprinted = performance.now();
        const near = fingerprint ? learner.nearest(fingerprint) : { spam: 0, ham: 0 };
        nearestMs += performance.now() - fingerprinted;
        countsMs += counted - started;
        if (index >= heldOut.length / 2) laterHalfCountsMs += counted - started;
        scoringMs += classified - counted;
        checksum += channels.headers.probability + channels.text.probability + near.spam * 1e-3 + near.ham * 1e-6;
      }
      const per = (ms: number) => `${((ms / heldOut.length) * 1000).toFixed(0)} µs`;
      const laterHalf = `${((laterHalfCountsMs / (heldOut.length - Math.ceil(heldOut.length / 2))) * 1000).toFixed(0)} µs`;
      console.log(`round ${round}: token counts query ${per(countsMs)} (held-out messages' later half: ${laterHalf}), scoring ${per(scoringMs)}, near-duplicate query ${per(nearestMs)} per message; checksum ${checksum.toFixed(9)}`);
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
