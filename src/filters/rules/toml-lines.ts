/**
 * Maps a validation path (["rule", 3, "regex"], ["thresholds", "junk_at"]) back to a line of the
 * TOML text, so an admin reading the log goes straight to the place to fix. smol-toml returns plain
 * objects without positions, so this scans the text for table headers and keys; it understands the
 * shapes the rules file uses (tables, arrays of tables, `key =` lines), and falls back to the
 * nearest table header.
 */
export function lineOfPath(text: string, path: readonly PropertyKey[]): number | null {
  const lines = text.split(/\r?\n/);
  const [first, second, third] = path;
  if (typeof first !== 'string') return null;

  // Arrays of tables: [[rule]] and [[bayes.band]]; the index counts headers of that name.
  const arrayName = first === 'bayes' && second === 'band' ? 'bayes.band' : first === 'rule' ? 'rule' : null;
  if (arrayName !== null) {
    const index = arrayName === 'rule' ? second : third;
    const key = arrayName === 'rule' ? third : path[3];
    if (typeof index !== 'number') return headerLine(lines, arrayName, true, 0);
    const start = headerLine(lines, arrayName, true, index);
    if (start === null) return null;
    return (typeof key === 'string' ? keyLine(lines, start, key) : null) ?? start;
  }

  const start = headerLine(lines, first, false, 0);
  if (start === null) return null;
  return (typeof second === 'string' ? keyLine(lines, start, second) : null) ?? start;
}

/** 1-based line of the nth `[name]` / `[[name]]` header. */
function headerLine(lines: readonly string[], name: string, isArray: boolean, nth: number): number | null {
  const pattern = isArray ? `[[${name}]]` : `[${name}]`;
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (stripComment(lines[i]!).trim().replace(/\s+/g, '') === pattern) {
      if (seen === nth) return i + 1;
      seen++;
    }
  }
  return null;
}

/** 1-based line of `key =` inside the table that starts at `headerLineNo`, before the next header. */
function keyLine(lines: readonly string[], headerLineNo: number, key: string): number | null {
  const keyPattern = new RegExp(`^\\s*(?:${escapeRegex(key)}|"${escapeRegex(key)}")\\s*=`);
  for (let i = headerLineNo; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*\[/.test(line)) return null;
    if (keyPattern.test(line)) return i + 1;
  }
  return null;
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash === -1 ? line : line.slice(0, hash);
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
