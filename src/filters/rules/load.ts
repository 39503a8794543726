import { readFileSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { RulesError } from './errors.js';
import { compileRules, type RuleSet } from './compile.js';
import { rulesFileSchema } from './schema.js';
import { lineOfPath } from './toml-lines.js';

export type RulesLoadResult = { readonly ok: true; readonly rules: RuleSet } | { readonly ok: false; readonly error: RulesError };

/** Reads, validates and compiles a rules file. Never throws for a bad file: the caller keeps its old rules. */
export function loadRulesFile(file: string): RulesLoadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, error: { kind: 'unreadable', file, reason: (err as NodeJS.ErrnoException).code ?? String(err) } };
  }
  return parseRulesText(text, file);
}

export function parseRulesText(text: string, file: string): RulesLoadResult {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n')[0] ?? err.message;
      return { ok: false, error: { kind: 'syntax', file, line: err.line, column: err.column, reason } };
    }
    throw err;
  }
  const result = rulesFileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path;
    // An unknown key is reported on its table; point the line at the key itself.
    const linePath = issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined ? [...path, issue.keys[0]] : path;
    return {
      ok: false,
      error: {
        kind: 'invalid',
        file,
        line: lineOfPath(text, linePath),
        ruleId: ruleIdAt(raw, path),
        keyPath: path.map(String).join('.'),
        reason: describeIssue(issue, raw),
      },
    };
  }
  return { ok: true, rules: compileRules(result.data, file, text) };
}

type Issue = { code: string; path: PropertyKey[]; message: string; keys?: string[]; options?: unknown[] };

function describeIssue(issue: Issue, raw: unknown): string {
  if (issue.code === 'unrecognized_keys' && issue.keys) return `unknown key ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) return 'missing';
  if (issue.code === 'invalid_union' && issue.path[0] === 'rule') {
    // zod reports an unknown discriminator on the rule itself; name the key the admin must fix.
    return 'target must be one of header, subject, from, body, rawbody, url, attachment_name, attachment_type, auth, size, dnsbl';
  }
  return issue.message;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function ruleIdAt(raw: unknown, path: readonly PropertyKey[]): string | null {
  const container = path[0] === 'rule' ? valueAt(raw, path.slice(0, 2)) : null;
  if (container === null || typeof container !== 'object') return null;
  const id = (container as { id?: unknown }).id;
  return typeof id === 'string' ? id : null;
}
