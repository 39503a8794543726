import type { RuleSet } from './compile.js';
import { parseRulesText } from './load.js';

/**
 * A rule set as it crosses to a worker thread (src/workers): its file's text, which the worker
 * compiles once and keeps (compiled regexes cannot be cloned). The main thread validated that
 * text when it loaded it, so compiling it again gives the same rules; each message is checked
 * against the snapshot taken when its checks began, so a reload never mixes two files in one
 * verdict.
 */
export interface RulesSnapshot {
  readonly file: string;
  readonly source: string;
}

/** Rule sets a worker keeps: the current one, and the one before it while messages begun under it finish. */
const KEPT = 2;
const compiled = new Map<string, RuleSet>();

export function snapshotOf(rules: RuleSet): RulesSnapshot {
  return { file: rules.file, source: rules.source };
}

/** The rule set of a snapshot, compiled on first use in this thread. */
export function rulesOf(snapshot: RulesSnapshot): RuleSet {
  const known = compiled.get(snapshot.source);
  if (known) return known;
  const result = parseRulesText(snapshot.source, snapshot.file);
  if (!result.ok) throw new Error(`${snapshot.file}: rules that loaded on the main thread do not compile here`);
  compiled.set(snapshot.source, result.rules);
  if (compiled.size > KEPT) compiled.delete(compiled.keys().next().value!);
  return result.rules;
}
