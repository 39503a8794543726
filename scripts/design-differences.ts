// Lists the config keys and CLI commands the code has that DESIGN.md's contract does not name and
// docs/architecture.md "Differences from DESIGN.md" does not mention either (docs/architecture.md
// "Differences from DESIGN.md": every departure from the contract is written down there).
// Usage: node --import tsx scripts/design-differences.ts [DESIGN.md]
// (default: ../shared/DESIGN.md beside the checkout, else ../../shared/DESIGN.md from a worktree).
// Prints one line per unlisted key or command and exits 1 if there is any. A key counts as named
// when it follows its `[section]` in the text before another `[section]`; a command when its words
// appear together; so the check can pass on a sloppy sentence, never fail on a listed key.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { configSchema } from '../src/config/schema.js';

const ROOT = path.join(import.meta.dirname, '..');

function designFile(): string {
  const candidates = process.argv[2] ? [process.argv[2]] : [path.join(ROOT, '../shared/DESIGN.md'), path.join(ROOT, '../../shared/DESIGN.md')];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`no DESIGN.md at ${candidates.join(' or ')}: name it on the command line`);
  return found;
}

/** The object schema under defaults, prefaults and optionals. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  let current = schema as { _zod: { def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> } } };
  while (current._zod.def.innerType) current = current._zod.def.innerType as typeof current;
  return current._zod.def.type === 'object' ? current._zod.def.shape! : null;
}

function configKeys(): string[] {
  return Object.entries(objectShape(configSchema)!).flatMap(([section, schema]) => Object.keys(objectShape(schema) ?? {}).map((key) => `${section}.${key}`));
}

/** "section.key" for every word that follows a `[section]` marker before the next one; a paragraph break ends a section in prose. */
function namedKeys(text: string): Set<string> {
  const named = new Set<string>();
  for (const paragraph of text.split(/\n\s*\n|\n- /)) {
    let section: string | null = null;
    for (const token of paragraph.matchAll(/\[([a-z_]+)\]|[a-z_][a-z0-9_]*/g)) {
      if (token[1]) section = token[1];
      else if (section) named.add(`${section}.${token[0]}`);
    }
  }
  return named;
}

/** `unit set-seen`, `serve`, … from each group's --help. */
function cliCommands(): string[] {
  const bin = path.join(ROOT, 'bin/cantho-mail.mjs');
  const help = (args: string[]) => execFileSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8' });
  const groups = [...help([]).split('\nCommands:\n')[1]!.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
  return groups.flatMap((group) => {
    const commands = help([group]).split('\nCommands:\n')[1];
    if (!commands) return [group];
    return [...commands.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((name) => name !== 'help').map((name) => `${group} ${name}`);
  });
}

/** `backup verify` is named by itself or in an alternation, `backup create|verify|restore`. */
function named(command: string, text: string): boolean {
  const [group, name] = command.split(' ');
  if (name === undefined) return new RegExp(`(^|[\\s\`])${group}([\\s\`]|$)`).test(text);
  return new RegExp(`(^|[\\s\`])${group} ([a-z-]+\\|)*${name}(?![a-z-])`).test(text);
}

function section(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}`);
  if (start === -1) throw new Error(`no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

const design = readFileSync(designFile(), 'utf8');
const differences = section(readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8'), 'Differences from DESIGN.md');
const documented = `${section(design, 'Config')}\n\n${differences}`;
const keysNamed = namedKeys(documented);
const commandText = `${section(design, 'CLI')}\n${differences}`.replace(/\s+/g, ' ');

const problems = [
  ...configKeys()
    .filter((key) => !keysNamed.has(key))
    .map((key) => `config key not in DESIGN.md nor in "Differences from DESIGN.md": [${key.replace('.', '] ')}`),
  ...cliCommands()
    .filter((command) => !named(command, commandText))
    .map((command) => `CLI command not in DESIGN.md nor in "Differences from DESIGN.md": ${command}`),
];
for (const problem of problems) console.log(problem);
console.log(problems.length === 0 ? 'every config key and CLI command is in DESIGN.md or its differences' : `${problems.length} unlisted`);
process.exitCode = problems.length === 0 ? 0 : 1;
