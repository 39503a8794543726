/**
 * `npm run bench -- <name> [args]`: runs bench/<name>.ts, or every bench in turn without a name.
 * Each bench module exports `run(args)` and prints its own figures; nothing here asserts timings.
 */
const BENCHES = ['store', 'smtp', 'filters', 'imap', 'hostile'] as const;

const [name, ...args] = process.argv.slice(2);
const selected = name === undefined ? [...BENCHES] : [name];
for (const bench of selected) {
  if (!(BENCHES as readonly string[]).includes(bench)) {
    console.error(`unknown bench "${bench}"; one of: ${BENCHES.join(', ')}`);
    process.exit(1);
  }
  console.log(`== bench ${bench} ==`);
  const module = (await import(`./${bench}.ts`)) as { run(args: string[]): Promise<void> };
  await module.run(args);
}
