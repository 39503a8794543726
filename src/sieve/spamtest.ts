import type { Verdict } from '../filters/index.js';
import type { SieveVerdictValues } from './types.js';

/**
 * RFC 5235 values from our filters' verdict (docs/sieve.md "Spam and virus tests"). spamtest:
 * 0 not tested, 1 surely not spam (score ≤ 0), 2–4 below `junk_at`, 5–9 from `junk_at` up to
 * `reject_at`, 10 at `reject_at` (refused at SMTP, so a script never sees it from the MX); so
 * `spamtest :value "ge" "5"` is exactly "the filters put it in Junk". spamtestplus :percent
 * is the same line on 0–100 with `junk_at` at 50. virustest (§3.4): 0 not scanned (clamd off or
 * unreachable), 1 scanned clean; an infected message is refused at SMTP and never delivered.
 */
export function sieveVerdictValues(verdict: Verdict): SieveVerdictValues {
  const virustest = verdict.addHeaders.some(([name, value]) => name === 'X-Virus-Status' && value === 'Clean') ? 1 : 0;
  const t = verdict.thresholds;
  if (t === undefined) return { spamtest: 0, spamPercent: 0, virustest };
  const junk = verdict.action === 'junk';
  return {
    spamtest: Math.max(junk ? 5 : 1, onScale(verdict.score, t.junk_at, t.reject_at, [1, 2, 4, 5, 9, 10])),
    spamPercent: Math.max(junk ? 50 : 0, onScale(verdict.score, t.junk_at, t.reject_at, [0, 1, 49, 50, 99, 100])),
    virustest,
  };
}

/** [none, lowFrom, lowTo, spamFrom, spamTo, certain]: a score placed on the scale, linear within each band. */
function onScale(score: number, junkAt: number, rejectAt: number, scale: readonly [number, number, number, number, number, number]): number {
  const [none, lowFrom, lowTo, spamFrom, spamTo, certain] = scale;
  if (score >= rejectAt) return certain;
  if (score >= junkAt) return Math.min(spamTo, spamFrom + Math.floor(((spamTo - spamFrom + 1) * (score - junkAt)) / (rejectAt - junkAt)));
  if (score <= 0) return none;
  return Math.min(lowTo, lowFrom + Math.floor(((lowTo - lowFrom + 1) * score) / junkAt));
}
