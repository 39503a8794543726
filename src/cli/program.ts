import { Command, CommanderError } from 'commander';
import { CONFIG_LOOKUP_ORDER } from '../config/index.js';
import { attachStreams, type CliStreams } from './streams.js';

/**
 * The `cantho-mail` command line (DESIGN.md "CLI"). Each command group lives in its own file; this
 * table names it, describes it for `--help`, and loads its file only when the command line asks
 * for that group, so that `person list` starts without the server, the filters or mailauth
 * (docs/architecture.md "CLI"). `--config` and `--json` are declared once on the root and accepted
 * before or after the command (read with `globalOptions(command)` in runner.ts).
 */
interface CommandGroup {
  /** The command as commander declares it: its name and, for a single command, its arguments. */
  readonly command: string;
  readonly description: string;
  /** Adds the group's options, subcommands and actions to the declared command. */
  readonly define: () => Promise<(command: Command) => void>;
}

const COMMAND_GROUPS: readonly CommandGroup[] = [
  { command: 'serve', description: 'run the mail server (SMTP, IMAP, web) with the config', define: async () => (await import('./serve.js')).defineServeCommand },
  {
    command: 'init',
    description: 'create a config, spam rules, DKIM key and database in DIR, and print the DNS records to publish',
    define: async () => (await import('./init.js')).defineInitCommand,
  },
  { command: 'dkim', description: 'DKIM signing keys', define: async () => (await import('./dkim.js')).defineDkimCommands },
  { command: 'unit', description: 'units (cơ quan, phòng ban) and their mailboxes', define: async () => (await import('./unit.js')).defineUnitCommands },
  { command: 'person', description: 'officials (cán bộ, công chức) and their mailboxes', define: async () => (await import('./person.js')).definePersonCommands },
  { command: 'delegate', description: "rights of staff on a unit's mailboxes (RFC 4314)", define: async () => (await import('./delegate.js')).defineDelegateCommands },
  { command: 'violation', description: 'violations of the mail regulation (Điều 10)', define: async () => (await import('./violation.js')).defineViolationCommands },
  { command: 'queue', description: 'the outbound mail queue', define: async () => (await import('./queue.js')).defineQueueCommands },
  { command: 'spam', description: 'spam rules and Bayes: check, explain, train', define: async () => (await import('./spam.js')).defineSpamCommands },
  { command: 'audit', description: 'show the audit log: directory changes, logins, delegate actions', define: async () => (await import('./audit.js')).defineAuditCommand },
  { command: 'maintenance', description: 'retention and other periodic jobs', define: async () => (await import('./maintenance.js')).defineMaintenanceCommands },
  {
    command: 'export <addr>',
    description: 'write every folder of a mailbox to one mbox file (X-Folder and Status/X-Status headers)',
    define: async () => (await import('./export.js')).defineExportCommand,
  },
  {
    command: 'import <addr>',
    description: 'import an mbox file into a mailbox (flags from Status:/X-Status:; a second run imports nothing twice)',
    define: async () => (await import('./import.js')).defineImportCommand,
  },
  { command: 'backup', description: 'online backups, their verification and restores', define: async () => (await import('./backup.js')).defineBackupCommands },
  {
    command: 'migrate',
    description: 'copy a single-node installation\'s mail from SQLite into PostgreSQL (--from sqlite:PATH --to postgres:URL)',
    define: async () => (await import('./migrate.js')).defineMigrateCommand,
  },
  { command: 'replica', description: 'the Litestream replica of the database ([replica])', define: async () => (await import('./replica.js')).defineReplicaCommands },
];

/** Root options that take a value: the word after them is not the command. */
const OPTIONS_WITH_VALUE = new Set(['--config']);

/**
 * Runs one command line (without the `node` and script words) against `streams` and returns its
 * exit code. bin/cantho-mail.mjs runs it with the process's streams; tests run it in-process with
 * buffers, through the very same parsing, options and error answers.
 */
export async function runCommandLine(args: readonly string[], streams: CliStreams): Promise<number> {
  const program = await buildProgram(args, streams);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    // exitOverride: commander has already written its message (or the help) to the streams.
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode !== 0) streams.exitCode = error.exitCode;
  }
  return streams.exitCode;
}

async function buildProgram(args: readonly string[], streams: CliStreams): Promise<Command> {
  const program = new Command('cantho-mail')
    .description('mail server for cantho.gov.vn: SMTP, IMAP and the directory of officials')
    .option('--config <file>', `config file (else the first found of: ${CONFIG_LOOKUP_ORDER})`)
    .option('--json', 'print one JSON document')
    .option('--verbose', 'say on stderr which config file and database are used')
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    // Set before the commands are added, which inherit them: commander neither writes to the
    // process's streams nor ends the process (in-process runs share both).
    .configureOutput({ writeOut: (text) => streams.stdout.write(text), writeErr: (text) => streams.stderr.write(text) })
    .exitOverride();
  attachStreams(program, streams);
  const wanted = groupNamed(args);
  for (const group of COMMAND_GROUPS) {
    const command = program.command(group.command).description(group.description);
    if (group.command.split(' ')[0] === wanted) (await group.define())(command);
  }
  return program;
}

/** The group the command line names (`person list`, `--json person list`, `help person`), if any. */
function groupNamed(args: readonly string[]): string | undefined {
  const words: string[] = [];
  for (let i = 0; i < args.length && words.length < 2; i++) {
    const arg = args[i]!;
    if (OPTIONS_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) words.push(arg);
  }
  return words[0] === 'help' ? words[1] : words[0];
}
