import { readFileSync, writeFileSync } from 'node:fs';
import { readMessages } from '../bayes/sources.js';
import { readMessage } from '../message.js';
import { loadRulesFile } from '../rules/load.js';
import { RulesFileError } from '../rules/watch.js';
import { STRUCTURAL_RULES } from '../structure/rules.js';
import { fitScores, scoreOf, type Sample } from './fit.js';
import { crossValidatedSamples, type LabelledView } from './samples.js';
import { withTunedTable } from './write.js';

/**
 * `spam tune`: fits the built-in rules' scores and the Bayes weight to labelled mail and writes
 * them to the rules file's [tuned] table as a proposal (the admin's [scores] and [bayes] weight
 * win). The file's own [[rule]] scores are the admin's: their fitted values are only reported.
 * The recall and false-positive rate printed are cross-validated twice over: the Bayes feature
 * of each message comes from a Bayes that did not learn it, and the scores judging each fold
 * were fitted without that fold.
 */
export interface TuneReport {
  readonly written: Record<string, number>;
  readonly reportedOnly: Record<string, number>;
  readonly junkAt: number;
  readonly recall: number;
  readonly falsePositives: number;
  readonly spam: number;
  readonly ham: number;
}

const TUNABLE = new Set([...STRUCTURAL_RULES.map((r) => r.id), 'BAYES']);

export async function tuneRulesFile(rulesFile: string, sources: { spam: string; ham: string }, folds = 5, write = true): Promise<TuneReport> {
  const loaded = loadRulesFile(rulesFile);
  if (!loaded.ok) throw new RulesFileError(loaded.error);
  const messages: LabelledView[] = [];
  for (const [spam, source] of [[true, sources.spam], [false, sources.ham]] as const) {
    for await (const raw of readMessages(source)) messages.push({ view: await readMessage(raw), spam });
  }
  const samples = await crossValidatedSamples(messages, loaded.rules, folds);
  const junkAt = loaded.rules.thresholds.junk_at;

  let caught = 0;
  let falsePositives = 0;
  for (let fold = 0; fold < folds; fold++) {
    const { scores } = fitScores(samples.filter((s) => s.fold !== fold), junkAt);
    for (const sample of samples.filter((s) => s.fold === fold)) {
      const flagged = scoreOf(sample, scores) >= junkAt;
      if (flagged && sample.spam) caught++;
      if (flagged && !sample.spam) falsePositives++;
    }
  }
  const { scores } = fitScores(samples as Sample[], junkAt);
  const written: Record<string, number> = {};
  const reportedOnly: Record<string, number> = {};
  for (const [id, score] of scores) (TUNABLE.has(id) ? written : reportedOnly)[id] = score;
  const spam = samples.filter((s) => s.spam).length;
  const ham = samples.length - spam;
  const report = { written, reportedOnly, junkAt, recall: caught / Math.max(spam, 1), falsePositives: falsePositives / Math.max(ham, 1), spam, ham };
  if (write) {
    const note = `proposed by spam tune on ${new Date().toISOString().slice(0, 10)} from ${spam} spam and ${ham} ham: cross-validated recall ${(100 * report.recall).toFixed(2)} %, false positives ${(100 * report.falsePositives).toFixed(2)} % at junk_at ${junkAt}`;
    const tuned = new Map([...scores].filter(([id]) => TUNABLE.has(id)));
    writeFileSync(rulesFile, withTunedTable(readFileSync(rulesFile, 'utf8'), tuned, note));
  }
  return report;
}
