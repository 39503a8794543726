import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** README.md's code map and test map name every top-level entry of src/ and test/, so a newcomer finds each in one look. */
const ROOT = path.join(import.meta.dirname, '../..');

/** The backquoted names in the table that follows `heading`, a trailing slash dropped. */
function mapped(heading: string): Set<string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}`);
  expect(start, `README.md has a "## ${heading}" section`).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  const rows = readme.slice(start, end === -1 ? undefined : end).split('\n').filter((line) => line.startsWith('| `'));
  const names = rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, '')));
  return new Set(names);
}

function entries(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).sort();
}

describe('README.md code map', () => {
  it('names every top-level entry of src/', () => {
    const names = mapped('Code map (`src/`)');
    expect(entries('src').filter((entry) => !names.has(entry))).toEqual([]);
  });

  it('names every top-level entry of test/', () => {
    const names = mapped('Test map (`test/`)');
    expect(entries('test').filter((entry) => !names.has(entry))).toEqual([]);
  });
});
