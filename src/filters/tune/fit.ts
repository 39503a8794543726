/**
 * The score fit of `spam tune`: a logistic regression over what the filter saw in each message
 * (which rules hit, Bayes' strength from −1 to 1), as SpamAssassin's score generator fits its
 * rule scores. Pure and deterministic (full-batch gradient descent from zero), so it can run on
 * any thread and a test can check it on a handful of made-up messages.
 *
 * A false positive hides an official's mail; a missed spam costs a click. Ham therefore weighs
 * HAM_COST times a spam in the loss, which pushes the fit towards few false positives. The
 * fitted log-odds are scaled so that the decision boundary falls on `junk_at`: a message scores
 * junk_at exactly where the fit is undecided.
 */
export interface Sample {
  /** Rule ids that hit, each counting 1, and BAYES with Bayes' strength. */
  readonly features: ReadonlyMap<string, number>;
  readonly spam: boolean;
}

export interface FittedScores {
  /** Score per feature in the rules file's units (BAYES: the Bayes weight). */
  readonly scores: ReadonlyMap<string, number>;
}

const HAM_COST = 10;
const STEPS = 2000;
const RATE = 0.5;
const L2 = 1e-3;

export function fitScores(samples: readonly Sample[], junkAt: number): FittedScores {
  const ids = [...new Set(samples.flatMap((s) => [...s.features.keys()]))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const rows = samples.map((s) => ({ x: [...s.features].map(([id, v]) => [index.get(id)!, v] as const), y: s.spam ? 1 : 0, cost: s.spam ? 1 : HAM_COST }));
  const totalCost = rows.reduce((sum, r) => sum + r.cost, 0);
  const w = new Array<number>(ids.length).fill(0);
  let bias = 0;
  for (let step = 0; step < STEPS; step++) {
    const grad = new Array<number>(ids.length).fill(0);
    let gradBias = 0;
    for (const row of rows) {
      let z = bias;
      for (const [i, v] of row.x) z += w[i]! * v;
      const g = (1 / (1 + Math.exp(-z)) - row.y) * row.cost;
      gradBias += g;
      for (const [i, v] of row.x) grad[i]! += g * v;
    }
    for (let i = 0; i < w.length; i++) w[i]! -= RATE * (grad[i]! / totalCost + L2 * w[i]!);
    bias -= RATE * (gradBias / totalCost);
  }
  // bias < 0 when a message with no feature is ham, as it should be; otherwise the boundary is
  // meaningless and the scores are reported in log-odds units as they are.
  const scale = bias < 0 ? junkAt / -bias : 1;
  return { scores: new Map(ids.map((id, i) => [id, Math.round(w[i]! * scale * 10) / 10])) };
}

/** The score of a sample under the fitted (or any) scores. */
export function scoreOf(sample: Sample, scores: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const [id, v] of sample.features) total += (scores.get(id) ?? 0) * v;
  return total;
}
