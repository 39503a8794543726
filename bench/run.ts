/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts, or every bench in turn without a name.
 * Each bench module exports `run(args)` and prints its own figures; nothing here asserts timings.
 * `npm run bench -- <name> --help` prints the bench's usage: the comment that opens its file.
 */
import { readFileSync } from 'node:fs';

const BENCHES = ['store', 'smtp', 'filters', 'spam', 'imap', 'imap-search', 'latency', 'hostile', 'sieve', 'startup', 'event-loop', 'bayes-lookup'] as const;

const [name, ...args] = process.argv.slice(2);
const selected = name === undefined ? [...BENCHES] : [name];
for (const bench of selected) {
  if (!(BENCHES as readonly string[]).includes(bench)) {
    console.error(`unknown bench "${bench}"; one of: ${BENCHES.join(', ')}`);
    process.exit(1);
  }
  if (args.includes('--help')) {
    const source = readFileSync(new URL(`./${bench}.ts`, import.meta.url), 'utf8');
    console.log(/^\/\*\*\n([\s\S]*?)\n \*\//.exec(source)?.[1]?.replace(/^ \* ?/gm, '') ?? `no usage comment in bench/${bench}.ts`);
    continue;
  }
  console.log(`== bench ${bench} ==`);
  const module = (await import(`./${bench}.ts`)) as { run(args: string[]): Promise<void> };
  await module.run(args);
}
