import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRulesFile } from '../../src/filters/rules/load.js';
import { fitScores, scoreOf, type Sample } from '../../src/filters/tune/fit.js';
import { tuneRulesFile } from '../../src/filters/tune/tune.js';
import { withTunedTable } from '../../src/filters/tune/write.js';
import { generateCorpus } from './fixtures/corpus.js';
import { tempDir, writeRules } from './support.js';

/** `spam tune` on small made-up sets: what the fit learns, what it writes, and that the admin still wins. */
const temp = tempDir();
afterAll(() => temp.cleanup());

function sample(spam: boolean, bayes: number, ...ids: string[]): Sample {
  return { spam, features: new Map([['BAYES', bayes], ...ids.map((id) => [id, 1] as [string, number])]) };
}

describe('the score fit', () => {
  // 40 spam and 40 ham: SPAM_ONLY hits half the spam and no ham; BOTH hits as much ham as spam;
  // Bayes leans the right way but is unsure about a quarter of each class.
  const samples: Sample[] = [];
  for (let i = 0; i < 40; i++) {
    samples.push(sample(true, i % 4 === 0 ? 0 : 0.8, ...(i % 2 === 0 ? ['SPAM_ONLY'] : []), ...(i % 5 === 0 ? ['BOTH'] : [])));
    samples.push(sample(false, i % 4 === 0 ? 0 : -0.8, ...(i % 5 === 0 ? ['BOTH'] : [])));
  }
  const { scores } = fitScores(samples, 5);

  it('gives a rule that only spam trips a positive score, and more than one that ham trips as often', () => {
    expect(scores.get('SPAM_ONLY')!).toBeGreaterThan(0.5);
    expect(scores.get('SPAM_ONLY')!).toBeGreaterThan(scores.get('BOTH')!);
    expect(Math.abs(scores.get('BOTH')!)).toBeLessThan(scores.get('SPAM_ONLY')!);
    expect(scores.get('BAYES')!).toBeGreaterThan(0);
  });

  it('puts the boundary at junk_at: no ham reaches it, the spam that Bayes and a rule agree on does', () => {
    expect(samples.filter((s) => !s.spam).every((s) => scoreOf(s, scores) < 5)).toBe(true);
    expect(scoreOf(sample(true, 0.8, 'SPAM_ONLY'), scores)).toBeGreaterThanOrEqual(5);
  });

  it('is deterministic', () => {
    expect(fitScores(samples, 5).scores).toEqual(scores);
  });
});

describe('writing the proposal', () => {
  const file = '[thresholds]\njunk_at = 5.0\nreject_at = 15.0\n\n[scores]\nMISSING_DATE = 0.0\n\n# proposals\n[tuned]\nOLD = 1.0\n\n# the rules\n[[rule]]\nid = "X"\n';

  it('replaces the [tuned] table and leaves every other line as it was', () => {
    const written = withTunedTable(file, new Map([['MISSING_DATE', 2], ['BAYES', 7.25]]), 'note');
    expect(written).toBe('[thresholds]\njunk_at = 5.0\nreject_at = 15.0\n\n[scores]\nMISSING_DATE = 0.0\n\n# proposals\n[tuned]\n# note\nMISSING_DATE = 2.0\nBAYES = 7.3\n\n# the rules\n[[rule]]\nid = "X"\n');
  });

  it('appends a [tuned] table to a file without one', () => {
    expect(withTunedTable('[thresholds]\njunk_at = 5.0\nreject_at = 15.0\n', new Map([['BAYES', 6]]), 'n')).toBe('[thresholds]\njunk_at = 5.0\nreject_at = 15.0\n\n[tuned]\n# n\nBAYES = 6.0\n');
  });
});

describe('spam tune on a made-up corpus', () => {
  it('writes [tuned] for the built-in rules and Bayes, reports cross-validated figures, and the admin\u2019s [scores] still win', async () => {
    const dir = path.join(temp.dir, 'tune');
    mkdirSync(path.join(dir, 'spam'), { recursive: true });
    mkdirSync(path.join(dir, 'ham'), { recursive: true });
    const corpus = generateCorpus(60);
    corpus.forEach((m, i) => writeFileSync(path.join(dir, m.kind, `${String(i).padStart(3, '0')}.eml`), m.raw));
    const rulesFile = writeRules(dir, '[builtin]\nenabled = true\n\n[scores]\nTO_UNDISCLOSED = 0.0\n\n[tuned]\n');
    const report = await tuneRulesFile(rulesFile, { spam: path.join(dir, 'spam'), ham: path.join(dir, 'ham') }, 3);
    expect(report.spam + report.ham).toBe(corpus.length);
    expect(report.recall).toBeGreaterThanOrEqual(0);
    expect(report.recall).toBeLessThanOrEqual(1);
    expect(report.written['BAYES']).toBeGreaterThan(0);
    const text = readFileSync(rulesFile, 'utf8');
    expect(text).toMatch(/\[tuned\]\n# proposed by spam tune on \d{4}-\d\d-\d\d from \d+ spam and \d+ ham: cross-validated recall [\d.]+ %, false positives [\d.]+ % at junk_at 5\n/);
    expect(text).toMatch(/\nBAYES = [\d.]+\n/);
    const loaded = loadRulesFile(rulesFile);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.rules.bayes.weight).toBe(report.written['BAYES']);
    expect(loaded.rules.rules.find((r) => r.id === 'TO_UNDISCLOSED')!.score).toBe(0);
  });
});
