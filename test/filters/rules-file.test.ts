import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatRulesError } from '../../src/filters/rules/errors.js';
import { loadRulesFile, parseRulesText } from '../../src/filters/rules/load.js';

/** The rules file is admin-edited: every mistake must come back as file:line and rule id. */

const HEAD = '[thresholds]\njunk_at = 5.0\nreject_at = 10.0\n\n';
const GOOD_RULE = '[[rule]]\nid = "GOOD"\ndescription = "fine"\nscore = 1.0\ntarget = "body"\nwords = ["x"]\n\n';

function refusal(text: string): string {
  const result = parseRulesText(text, '/etc/cantho-mail/spam-rules.toml');
  if (result.ok) throw new Error('expected the file to be refused');
  return formatRulesError(result.error);
}

describe('rules file validation', () => {
  it('accepts the shipped default rule set', () => {
    const result = loadRulesFile('config/spam-rules.toml');
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.rules.rules.length).toBeGreaterThanOrEqual(30);
  });

  it('refuses a bad regex, naming the line of the regex and the rule id', () => {
    const text = HEAD + GOOD_RULE + '[[rule]]\nid = "BROKEN"\ndescription = "d"\nscore = 2\ntarget = "subject"\nregex = "(khuyen mai"\n';
    expect(refusal(text)).toBe(
      '/etc/cantho-mail/spam-rules.toml:17: rule BROKEN: rule.1.regex: bad regex: Invalid regular expression: /(khuyen mai/u: Unterminated group',
    );
  });

  it('refuses an unknown field, pointing at its line', () => {
    const text = HEAD + '[[rule]]\nid = "TYPO"\ndescription = "d"\nscore = 2\ntarget = "body"\nwords = ["x"]\nfolds = true\n';
    expect(refusal(text)).toBe('/etc/cantho-mail/spam-rules.toml:11: rule TYPO: rule.0: unknown key "folds"');
  });

  it('refuses a duplicate id at the second use', () => {
    const text = HEAD + GOOD_RULE + GOOD_RULE;
    expect(refusal(text)).toBe('/etc/cantho-mail/spam-rules.toml:13: rule GOOD: rule.1.id: duplicate id GOOD (first used by rule #1)');
  });

  it('refuses a rule without a score', () => {
    const text = HEAD + GOOD_RULE + '[[rule]]\nid = "NO_SCORE"\ndescription = "d"\ntarget = "body"\nwords = ["x"]\n';
    expect(refusal(text)).toBe('/etc/cantho-mail/spam-rules.toml:12: rule NO_SCORE: rule.1.score: missing');
  });

  it('refuses an unknown target, a text rule without a matcher, and a header rule without a header name', () => {
    expect(refusal(HEAD + '[[rule]]\nid = "T"\ndescription = "d"\nscore = 1\ntarget = "bodyy"\nwords = ["x"]\n')).toBe(
      '/etc/cantho-mail/spam-rules.toml:9: rule T: rule.0.target: target must be one of header, subject, from, body, rawbody, url, attachment_name, attachment_type, auth, size, dnsbl',
    );
    expect(refusal(HEAD + '[[rule]]\nid = "T"\ndescription = "d"\nscore = 1\ntarget = "body"\n')).toBe(
      '/etc/cantho-mail/spam-rules.toml:5: rule T: rule.0.regex: a text rule needs exactly one of regex or words',
    );
    expect(refusal(HEAD + '[[rule]]\nid = "T"\ndescription = "d"\nscore = 1\ntarget = "header"\nregex = "x"\n')).toBe(
      '/etc/cantho-mail/spam-rules.toml:5: rule T: rule.0.header: missing',
    );
  });

  it('refuses bad list entries and thresholds outside any rule', () => {
    expect(refusal(HEAD + '[allow]\nips = ["10.0.0.0/8", "2001:db8::/129"]\n')).toBe(
      '/etc/cantho-mail/spam-rules.toml:6: allow.ips.1: not an IP address or CIDR like "10.0.0.0/8"',
    );
    expect(refusal('[thresholds]\njunk_at = 12\nreject_at = 10\n')).toBe(
      '/etc/cantho-mail/spam-rules.toml:2: thresholds.junk_at: junk_at must not be above reject_at',
    );
  });

  it('reports TOML syntax errors with line and column', () => {
    expect(refusal(HEAD + '[[rule]]\nid = "A"\nwords = ["x"\n')).toMatch(/^\/etc\/cantho-mail\/spam-rules\.toml:8:\d+: TOML syntax: /);
  });

  it('reports a missing file', () => {
    const result = loadRulesFile('/nonexistent/spam-rules.toml');
    expect(!result.ok && formatRulesError(result.error)).toBe('/nonexistent/spam-rules.toml: cannot read: ENOENT');
  });

  it('keeps every shipped rule documented: a description for each id', () => {
    const text = readFileSync('config/spam-rules.toml', 'utf8');
    const result = parseRulesText(text, 'x');
    expect(result.ok && result.rules.rules.every((r) => r.description.length > 5)).toBe(true);
  });
});
