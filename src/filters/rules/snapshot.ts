import type { RuleSet } from './compile.js';
import type { RulesSnapshot } from '../verdict.js';
import { parseRulesText } from './load.js';


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
