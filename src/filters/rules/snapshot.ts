import type { RuleSet } from './compile.js';
import type { RulesSnapshot } from '../verdict.js';
import { parseRulesText } from './load.js';
import type { SharedInput } from '../../workers/index.js';

/** Rule sets a worker keeps: the current one, and the one before it while messages begun under it finish. */
const KEPT = 2;
const compiled = new Map<string, RuleSet>();

/** Names the rule sets in worker jobs (src/workers SharedInput). */
const RULES_KEY = 'filters.rules';
/** One version per rule set loaded in this process, so a worker is sent each file's text once. */
let lastVersion = 0;
const snapshots = new WeakMap<RuleSet, SharedInput<RulesSnapshot>>();

/** The rule set as a worker job's shared input: its text, posted to each worker once. */
export function snapshotOf(rules: RuleSet): SharedInput<RulesSnapshot> {
  let snapshot = snapshots.get(rules);
  if (!snapshot) {
    snapshot = { ref: { key: RULES_KEY, version: ++lastVersion }, value: { file: rules.file, source: rules.source } };
    snapshots.set(rules, snapshot);
  }
  return snapshot;
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
