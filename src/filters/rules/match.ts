import { foldVietnamese } from '../../text/index.js';
import type { MessageView } from '../message-view.js';
import type { CompiledRule, RuleSet } from './compile.js';

type TextRule = Extract<CompiledRule, { kind: 'text' }>;

/**
 * The ids of the rule set's text rules (header, subject, from, body, rawbody, url, attachment
 * targets) and built-in structural rules that apply to `direction` and match the message, in
 * rule-set order. A rule matches once
 * however often its pattern does. This is the regex work of the spam rules: it runs where the
 * view was read (a worker thread for SMTP), and the rules filter only looks the ids up.
 */
export function matchTextRules(view: MessageView, rules: RuleSet, direction: 'inbound' | 'outbound'): string[] {
  const texts = new TextCache(view);
  const hits: string[] = [];
  for (const rule of rules.rules) {
    if (rule.direction !== 'both' && rule.direction !== direction) continue;
    if (rule.kind === 'structural' ? rule.test(view) : rule.kind === 'text' && texts.get(rule).some(rule.matches)) hits.push(rule.id);
  }
  return hits;
}

/** Folding a 1 MB body once per message, not once per rule: 200 rules share the folded text. */
class TextCache {
  private readonly cache = new Map<string, readonly string[]>();
  constructor(private readonly view: MessageView) {}

  get(rule: TextRule): readonly string[] {
    return this.read(rule.read.key, rule.fold, () => rule.read.read(this.view));
  }

  private read(key: string, fold: boolean, read: () => readonly string[]): readonly string[] {
    const cacheKey = fold ? `${key}\u0000fold` : key;
    let values = this.cache.get(cacheKey);
    if (values === undefined) {
      values = fold ? this.read(key, false, read).map(foldVietnamese) : read();
      this.cache.set(cacheKey, values);
    }
    return values;
  }
}
