/**
 * Writes `spam tune`'s proposal into the rules file's [tuned] table, leaving every other line as
 * the admin wrote it: the table's old entries are replaced, a table that is missing is appended.
 * The admin reviews the change (e.g. with `git diff`) before it is used; their [scores] win anyway.
 */
export function withTunedTable(text: string, scores: ReadonlyMap<string, number>, note: string): string {
  const body = [`# ${note}`, ...[...scores].map(([id, score]) => `${id} = ${score.toFixed(1)}`)].join('\n');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^\s*\[tuned\]\s*(#.*)?$/.test(line));
  if (start === -1) return `${text.replace(/\n*$/, '\n')}\n[tuned]\n${body}\n`;
  let end = start + 1;
  while (end < lines.length && !/^\s*\[/.test(lines[end]!)) end++;
  // Keep the blank lines and comments that introduce the next table.
  while (end > start + 1 && (lines[end - 1]!.trim() === '' || (lines[end - 1]!.trim().startsWith('#') && end < lines.length))) end--;
  return [...lines.slice(0, start + 1), body, ...lines.slice(end)].join('\n');
}
