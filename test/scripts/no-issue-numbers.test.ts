import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * STYLE.md "Habits": name things after what the reader can look up (an RFC section, a config key,
 * a doc section), never an issue number, which nobody reading the repository can follow.
 */
const ROOT = path.join(import.meta.dirname, '../..');
const ISSUE_NUMBER = /\bissues? #?[0-9]/i;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('references', () => {
  it('no code, test, bench or doc cites an issue number', () => {
    const cited = ['src', 'test', 'bench', 'docs', 'scripts']
      .flatMap((dir) => filesUnder(path.join(ROOT, dir)))
      .filter((file) => /\.(ts|mts|mjs|js|py|sh|md|toml)$/.test(file))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, i) => (ISSUE_NUMBER.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(cited).toEqual([]);
  });
});
