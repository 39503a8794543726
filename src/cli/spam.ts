import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import pino from 'pino';
import type { Config } from '../config/index.js';
import { createBoundedLookup } from '../dns/index.js';
import { BayesLearner } from '../filters/index.js';
import { readMessages } from '../filters/index.js';
import { createFilterPipeline } from '../filters/index.js';
import { formatRulesError } from '../filters/index.js';
import { loadRulesFile } from '../filters/index.js';
import { tuneRulesFile } from '../filters/index.js';
import type { FilterContext, Verdict, VerdictReason } from '../filters/index.js';
import { openBayesStore, type BayesClass } from '../store/index.js';
import type { Db } from '../store/index.js';
import { CliError, failWith, globalOptions, loadConfigFor, openExistingDatabase, type CommandOutput } from './runner.js';
import { streamsOf } from './streams.js';

/** `spam check-config | test <file.eml> | train --spam <path> --ham <path> | tune --spam <path> --ham <path>` (DESIGN.md "CLI"). */
export function defineSpamCommands(spam: Command): void {

  spam
    .command('check-config')
    .description('validate the spam rules file without a server (exit 1 with file:line: rule id)')
    .action((_options: unknown, command: Command) =>
      run(command, (config) => {
        const result = loadRulesFile(config.paths.spamRules);
        if (!result.ok) throw new CliError(formatRulesError(result.error));
        const count = result.rules.rules.length;
        return { json: { file: config.paths.spamRules, ok: true, rules: count }, text: `${config.paths.spamRules}: ok, ${count} rules` };
      }),
    );

  spam
    .command('test <file>')
    .description('show the verdict for a message: every rule that hit with its score, and the Bayes contribution')
    .option('--outbound', 'check as mail sent by an official (submission) instead of inbound MX mail')
    .option('--ip <address>', 'client IP to assume (for IP lists and DNSBL rules)', '')
    .option('--mail-from <address>', 'envelope sender to assume (default: the From: address)')
    .option('--no-virus', 'skip the clamd scan')
    .action((file: string, options: TestOptions, command: Command) =>
      run(command, async (config) => {
        const raw = await readFile(file).catch((err: NodeJS.ErrnoException) => {
          throw new CliError(`cannot read ${file}: ${err.code ?? err.message}`);
        });
        // A look at a message must not create the server's database: without one, Bayes knows nothing.
        if (!existsSync(config.paths.database)) return testMessage(config, raw, options, null);
        return withBayes(config, (learner) => testMessage(config, raw, options, learner));
      }),
    );

  spam
    .command('train')
    .description('teach Bayes from a folder of .eml files or an mbox, for each class')
    .option('--spam <path>', 'spam messages: a folder of .eml files or an mbox file')
    .option('--ham <path>', 'legitimate messages: a folder of .eml files or an mbox file')
    .action((options: { spam?: string; ham?: string }, command: Command) =>
      run(command, async (config) => {
        if (!options.spam && !options.ham) throw new CliError('give --spam <path>, --ham <path> or both');
        return withBayes(config, async (learner) => {
          const counts = { learnt: { spam: 0, ham: 0 }, relearnt: 0, alreadyLearnt: 0 };
          const sources: Array<[BayesClass, string | undefined]> = [
            ['spam', options.spam],
            ['ham', options.ham],
          ];
          for (const [kind, source] of sources) {
            if (!source) continue;
            try {
              for await (const raw of readMessages(source)) {
                const outcome = await learner.train(kind, raw);
                if (outcome === 'learnt') counts.learnt[kind]++;
                else if (outcome === 'relearnt') counts.relearnt++;
                else counts.alreadyLearnt++;
              }
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code;
              if (code) throw new CliError(`cannot read ${source}: ${code}`);
              throw err;
            }
          }
          const totals = learner.totals();
          return {
            json: { ...counts, totals },
            text:
              `learnt ${counts.learnt.spam} spam and ${counts.learnt.ham} ham, moved ${counts.relearnt} to the other class, ` +
              `${counts.alreadyLearnt} already learnt; Bayes now knows ${totals.spam} spam and ${totals.ham} ham`,
          };
        });
      }),
    );

  spam
    .command('tune')
    .description('fit the built-in rule scores and the Bayes weight to labelled mail; write them to the rules file\'s [tuned] table for review')
    .requiredOption('--spam <path>', 'spam messages: a folder of .eml files or an mbox file')
    .requiredOption('--ham <path>', 'legitimate messages: a folder of .eml files or an mbox file')
    .option('--folds <k>', 'cross-validation folds', '5')
    .option('--dry-run', 'print the proposal without writing the rules file')
    .action((options: { spam: string; ham: string; folds: string; dryRun?: boolean }, command: Command) =>
      run(command, async (config) => {
        const folds = Number(options.folds);
        if (!Number.isInteger(folds) || folds < 2) throw new CliError('--folds must be a whole number of at least 2');
        const report = await tuneRulesFile(config.paths.spamRules, { spam: options.spam, ham: options.ham }, folds, !options.dryRun).catch((err: NodeJS.ErrnoException) => {
          throw err.code ? new CliError(`cannot read ${err.path ?? ''}: ${err.code}`) : err;
        });
        const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
        const lines = [
          `${options.dryRun ? 'proposed' : `wrote to [tuned] in ${config.paths.spamRules}`}: ${Object.entries(report.written).map(([id, s]) => `${id} = ${s}`).join(', ') || 'nothing'}`,
          `the file's own rules would fit as (not written; their scores are yours): ${Object.entries(report.reportedOnly).map(([id, s]) => `${id} = ${s}`).join(', ') || 'none hit'}`,
          `cross-validated (${folds} folds, ${report.spam} spam, ${report.ham} ham) at junk_at ${report.junkAt}: recall ${pct(report.recall)}, false positives ${pct(report.falsePositives)}`,
        ];
        return { json: report, text: lines.join('\n') };
      }),
    );
}

interface TestOptions {
  readonly outbound?: boolean;
  readonly ip: string;
  readonly mailFrom?: string;
  readonly virus: boolean;
}

async function testMessage(config: Config, raw: Buffer, options: TestOptions, learner: BayesLearner | null): Promise<CommandOutput> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const pipeline = createFilterPipeline(config, { logger, resolver: createBoundedLookup(config.dns, logger), bayes: learner, virus: options.virus, watchRules: false });
  try {
    const fromHeader = /^From:.*?([^\s<>"]+@[^\s<>"]+)/im.exec(raw.subarray(0, 64 * 1024).toString('utf8'))?.[1] ?? '';
    const context: FilterContext = {
      direction: options.outbound ? 'outbound' : 'inbound',
      remoteIp: options.ip,
      helo: '',
      mailFrom: options.mailFrom ?? fromHeader,
      recipients: [],
      authenticatedAs: options.outbound ? (options.mailFrom ?? fromHeader) : null,
    };
    const verdict = await pipeline.check(raw, context);
    const rules = pipeline.currentRules();
    const totals = learner?.totals() ?? { spam: 0, ham: 0 };
    const bayesState = !rules.bayes.enabled
      ? 'disabled in the rules file'
      : totals.spam < rules.bayes.min_spam || totals.ham < rules.bayes.min_ham
        ? `silent: learnt ${totals.spam} spam and ${totals.ham} ham, needs ${rules.bayes.min_spam} and ${rules.bayes.min_ham}`
        : null;
    return explain(verdict, rules.thresholds, bayesState);
  } finally {
    pipeline.close();
  }
}

async function run(command: Command, handler: (config: Config) => Promise<CommandOutput> | CommandOutput): Promise<void> {
  try {
    const output = await handler(loadConfigFor(command));
    streamsOf(command).stdout.write(globalOptions(command).json ? `${JSON.stringify(output.json, null, 2)}\n` : `${output.text}\n`);
  } catch (error) {
    failWith(command, error);
  }
}

async function withBayes<T>(config: Config, use: (learner: BayesLearner) => Promise<T>): Promise<T> {
  const db: Db = openExistingDatabase(config);
  try {
    return await use(new BayesLearner(openBayesStore(db)));
  } finally {
    db.close();
  }
}

function explain(verdict: Verdict, thresholds: { junk_at: number; reject_at: number }, bayesState: string | null): CommandOutput {
  const lines = [`verdict: ${verdict.action}, score ${verdict.score} (junk at ${thresholds.junk_at}, reject at ${thresholds.reject_at})`];
  if (verdict.reply) lines.push(`reply: ${verdict.reply.code} ${verdict.reply.enhanced} ${verdict.reply.text}`);
  const hits = verdict.reasons.filter((r) => !r.id.startsWith('bayes'));
  lines.push(hits.length === 0 ? 'rules: none hit' : 'rules:');
  for (const r of hits) lines.push(reasonLine(r));
  const bayes = verdict.reasons.filter((r) => r.id.startsWith('bayes'));
  lines.push(bayes.length === 0 ? `bayes: ${bayesState ?? 'not run'}` : 'bayes:');
  for (const r of bayes) lines.push(reasonLine(r));
  if (verdict.subjectTag) lines.push(`subject tag: ${verdict.subjectTag}`);
  for (const [name, value] of verdict.addHeaders) lines.push(`${name}: ${value}`);
  return { json: { ...verdict, bayes: bayes.length === 0 ? bayesState : bayes }, text: lines.join('\n') };
}

/** docs/architecture.md "Spam filtering": a reason that cannot junk mail on its own says so. */
function reasonLine(reason: VerdictReason): string {
  return `  ${formatScore(reason.score)}  ${reason.id}  ${reason.description}${reason.needsConfirmation ? ' (needs confirmation)' : ''}`;
}

function formatScore(score: number): string {
  return `${score >= 0 ? '+' : ''}${score.toFixed(1)}`;
}
