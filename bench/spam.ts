/**
 * `npm run bench -- spam [--corpus DIR] [--rules FILE] [--folds K] [--misses]`: the spam filter on real mail.
 * K-fold cross-validation (default 5) inside the training half of the public corpus
 * (../shared/corpus: train-spam.mbox, train-ham.mbox; see its README). Each class is split into K
 * folds by position (message i goes to fold i mod K, so every source group of the corpus is in
 * every fold). For each fold: a fresh SQLite file learns the other K−1 folds with the real training
 * code (BayesLearner.train, as `cantho-mail spam train` does), then every message of the fold goes
 * through the whole filter pipeline as the MX runs it (parse, lists, impersonation, rules, Bayes;
 * clamd off; in-process, one message at a time).
 *
 * Prints: recall (spam to Junk or refused) and false-positive rate (ham to Junk or refused) at the
 * rules file's thresholds per fold, their mean and worst fold; the threshold curve over all folds
 * (recall and FP at each score threshold, worst-fold FP beside it); the lowest threshold whose
 * worst-fold FP is ≤ 0.2 %; and messages/s through the pipeline. `--misses`: each fold's missed
 * spam and false positives too (the message's class and position in its mbox, counting from 0, its
 * score, the reasons and the Subject), to see what the misses share and which change moves which.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { configFromObject } from '../src/config/index.js';
import { BayesLearner } from '../src/filters/bayes/learn.js';
import { readMessages } from '../src/filters/bayes/sources.js';
import { createFilterPipeline } from '../src/filters/pipeline.js';
import type { FilterContext, Verdict } from '../src/filters/verdict.js';
import { openBayesStore } from '../src/store/bayes.js';
import { openDatabase } from '../src/store/index.js';

const silent = pino({ level: 'silent' });
const FP_GOAL = 0.002;

interface Scored {
  readonly spam: boolean;
  readonly score: number;
  readonly flagged: boolean;
}

/** One line of `--misses`: "spam#130 score -15.14 [bayes:BAYES_HEADERS=6.5 …] Subject". */
function missLine(isSpam: boolean, index: number, raw: Buffer, verdict: Verdict): string {
  const subject = /^Subject:[ \t]*(.*)$/im.exec(raw.subarray(0, 64 * 1024).toString('utf8'))?.[1]?.slice(0, 70) ?? '';
  const reasons = verdict.reasons.map((r) => `${r.id}=${r.score}${r.needsConfirmation === true ? '?' : ''}`).join(' ');
  return `  ${isSpam ? 'missed spam' : 'false positive'} ${isSpam ? 'spam' : 'ham'}#${index} score ${verdict.score} [${reasons}] ${subject}`;
}

async function loadClass(file: string): Promise<Buffer[]> {
  const messages: Buffer[] = [];
  for await (const raw of readMessages(file)) messages.push(raw);
  return messages;
}

/** The MX's view of a corpus message: from outside, envelope sender as its Return-Path or From:. */
function contextFor(raw: Buffer): FilterContext {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const sender = /^(?:Return-Path|From):.*?([^\s<>"]+@[^\s<>"]+)/im.exec(head)?.[1] ?? '';
  return { direction: 'inbound', remoteIp: '192.0.2.1', helo: 'mail.example.net', mailFrom: sender, recipients: ['annv@cantho.gov.vn'], authenticatedAs: null };
}

/** ../shared/corpus from the main checkout, ../../shared/corpus from a worktree under wt/. */
export function defaultCorpus(): string {
  const candidates = [path.resolve('..', 'shared', 'corpus'), path.resolve('..', '..', 'shared', 'corpus')];
  return candidates.find((dir) => existsSync(path.join(dir, 'train-spam.mbox'))) ?? candidates[0]!;
}

function rate(hits: number, total: number): string {
  return `${((100 * hits) / Math.max(total, 1)).toFixed(2)} %`;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      corpus: { type: 'string', default: defaultCorpus() },
      rules: { type: 'string', default: path.resolve('config', 'spam-rules.toml') },
      folds: { type: 'string', default: '5' },
      misses: { type: 'boolean', default: false },
    },
  });
  const k = Number(values.folds);
  const spam = await loadClass(path.join(values.corpus, 'train-spam.mbox'));
  const ham = await loadClass(path.join(values.corpus, 'train-ham.mbox'));
  console.log(`corpus: ${spam.length} spam, ${ham.length} ham; ${k} folds; rules ${values.rules}`);

  // tmpfs when there is one: the bench measures the filter, not this disk's fsync.
  const base = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const folds: Scored[][] = [];
  let checked = 0;
  let checkMs = 0;
  let thresholds = { junk_at: 0, reject_at: 0 };
  for (let fold = 0; fold < k; fold++) {
    const dir = mkdtempSync(path.join(base, 'cm-spam-bench-'));
    const db = openDatabase(path.join(dir, 'bayes.sqlite'));
    try {
      const learner = new BayesLearner(openBayesStore(db));
      const trainStarted = performance.now();
      for (const [kind, messages] of [['spam', spam], ['ham', ham]] as const) {
        for (let i = 0; i < messages.length; i++) if (i % k !== fold) await learner.train(kind, messages[i]!);
      }
      const trainSeconds = (performance.now() - trainStarted) / 1000;
      const config = configFromObject({ spam: { rules: values.rules }, server: { data_dir: dir } });
      const pipeline = createFilterPipeline(config, { logger: silent, resolver: async () => [], bayes: learner, virus: false, watchRules: false });
      thresholds = pipeline.currentRules().thresholds;
      const scored: Scored[] = [];
      const misses: string[] = [];
      const started = performance.now();
      for (const [isSpam, messages] of [[true, spam], [false, ham]] as const) {
        for (let i = fold; i < messages.length; i += k) {
          const verdict = await pipeline.check(messages[i]!, contextFor(messages[i]!));
          const flagged = verdict.action !== 'accept';
          scored.push({ spam: isSpam, score: verdict.score, flagged });
          if (values.misses && flagged !== isSpam) misses.push(missLine(isSpam, i, messages[i]!, verdict));
        }
      }
      checkMs += performance.now() - started;
      checked += scored.length;
      pipeline.close();
      folds.push(scored);
      const s = scored.filter((m) => m.spam);
      const h = scored.filter((m) => !m.spam);
      const caught = s.filter((m) => m.flagged).length;
      const fp = h.filter((m) => m.flagged).length;
      console.log(`fold ${fold + 1}: trained in ${trainSeconds.toFixed(1)} s; recall ${rate(caught, s.length)} (${caught}/${s.length}), FP ${rate(fp, h.length)} (${fp}/${h.length})`);
      for (const line of misses) console.log(line);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const perFold = folds.map((scored) => ({
    recall: scored.filter((m) => m.spam && m.flagged).length / scored.filter((m) => m.spam).length,
    fp: scored.filter((m) => !m.spam && m.flagged).length / scored.filter((m) => !m.spam).length,
  }));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  console.log(
    `at the default thresholds (junk_at ${thresholds.junk_at}, reject_at ${thresholds.reject_at}): ` +
      `recall mean ${pct(mean(perFold.map((f) => f.recall)))}, worst fold ${pct(Math.min(...perFold.map((f) => f.recall)))}; ` +
      `FP mean ${pct(mean(perFold.map((f) => f.fp)))}, worst fold ${pct(Math.max(...perFold.map((f) => f.fp)))}`,
  );

  console.log('threshold curve (score ≥ t counts as spam; all folds pooled, worst-fold FP beside):');
  const all = folds.flat();
  const spamScores = all.filter((m) => m.spam);
  const hamScores = all.filter((m) => !m.spam);
  let chosen: number | null = null;
  for (let t = -2; t <= 15; t += 0.5) {
    const recall = spamScores.filter((m) => m.score >= t).length / spamScores.length;
    const fp = hamScores.filter((m) => m.score >= t).length / hamScores.length;
    const worstFp = Math.max(...folds.map((f) => f.filter((m) => !m.spam && m.score >= t).length / f.filter((m) => !m.spam).length));
    if (chosen === null && worstFp <= FP_GOAL) chosen = t;
    console.log(`  t=${t.toFixed(1).padStart(5)}  recall ${pct(recall).padStart(8)}  FP ${pct(fp).padStart(7)}  worst-fold FP ${pct(worstFp).padStart(7)}`);
  }
  console.log(`lowest threshold with worst-fold FP ≤ ${pct(FP_GOAL)}: ${chosen ?? 'none up to 15'}`);
  console.log(`pipeline: ${(checked / (checkMs / 1000)).toFixed(0)} messages/s (${checked} messages checked, one at a time, clamd off)`);
}
