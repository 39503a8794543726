import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import pino from 'pino';
import { CONFIG_LOOKUP_ORDER, ConfigError, loadConfig, locateConfigFile, type Config } from '../config/index.js';
import { Directory, DirectoryError } from '../directory/index.js';
import { openDatabase, openMailStore, startChangeBus, type Db, type MailStore } from '../store/index.js';
import { streamsOf } from './streams.js';

/**
 * The one place CLI commands get their config, database and directory, print their result and
 * turn bad input into the contract's answer (DESIGN.md "CLI"): exit 1 and one line on stderr.
 * Each directory change is one transaction inside the directory functions, so a refused
 * command has changed nothing.
 */

/** The global options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
  /** Say on stderr which config file and database the command uses. */
  readonly verbose?: boolean;
}

export interface CliSession {
  readonly config: Config;
  /** Its `admin` for the lifecycle commands (unit, person, delegate, violation). */
  readonly directory: Directory;
  /** The installation's mail, where `[store] backend` keeps it (SQLite file or PostgreSQL). */
  readonly store: MailStore;
  /** The database handle, for store-side tables that are not the MailStore's (the outbound queue). */
  readonly db: Db;
  /** Who the audit log names: "cli:<os user>". */
  readonly actor: string;
}

/** What a command prints: `json` with --json (one document), else `text` lines. */
export interface CommandOutput {
  readonly json: unknown;
  readonly text: string;
}

/** Bad input the CLI itself detects (an option value, stdin); printed like a DirectoryError. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}


/** Loads the config found in the documented order (CONFIG_LOOKUP_ORDER); with --verbose says which. */
export function loadConfigFor(command: Command): Config {
  const config = loadConfig(locateConfigFile(globalOptions(command).config, streamsOf(command).env));
  if (globalOptions(command).verbose) {
    streamsOf(command).stderr.write(`config: ${config.file ?? `none found (${CONFIG_LOOKUP_ORDER}): embedded defaults`}\ndatabase: ${config.paths.database}\n`);
  }
  return config;
}

/**
 * Opens the database of an existing installation. Only `serve` and `init` create one (DESIGN.md
 * "CLI"): a command run with the wrong config, or from another directory, must not quietly work on
 * a new empty database.
 */
export function openExistingDatabase(config: Config): Db {
  if (!existsSync(config.paths.database)) {
    const from = config.file ?? `no config file found (${CONFIG_LOOKUP_ORDER}), embedded defaults`;
    throw new CliError(`no database at ${config.paths.database} (config: ${from}); name the installation's config with --config, or create it with "cantho-mail init" or "cantho-mail serve"`);
  }
  return openDatabase(config.paths.database);
}

/** Runs a command against the directory; prints its output or its one-line error and sets the exit code. */
export async function runWithDirectory(command: Command, handler: (session: CliSession) => Promise<CommandOutput> | CommandOutput): Promise<void> {
  let closeStore: (() => Promise<void>) | null = null;
  try {
    const config = loadConfigFor(command);
    const db = openExistingDatabase(config);
    const opened = await openMailStore(db, config.store, { vanishedHistory: config.imap.vanished_history });
    closeStore = opened.close;
    if (config.store.backend === 'postgres') {
      // Sessions on the nodes hear of what the command changes in the shared store as of a node's
      // change (docs/postgres.en.md "Change events between nodes"); closing waits for the last notice.
      const bus = await startChangeBus(config.store.postgres_url, opened.store, pino({ level: 'warn' }, pino.destination(2)), { listen: false });
      closeStore = async () => {
        await bus.close();
        await opened.close();
      };
    }
    const directory = new Directory({ db, config, store: opened.store });
    printOutput(command, await handler({ config, directory, store: opened.store, db, actor: cliActor() }));
  } catch (error) {
    failWith(command, error);
  } finally {
    await closeStore?.();
  }
}

/** Runs a command that needs only the config (spam test, check-config); prints like runWithDirectory. */
export async function runWithConfig(command: Command, handler: (config: Config) => Promise<CommandOutput> | CommandOutput): Promise<void> {
  try {
    printOutput(command, await handler(loadConfigFor(command)));
  } catch (error) {
    failWith(command, error);
  }
}

/** With --json one JSON document, else the text lines (nothing for an empty list). */
export function printOutput(command: Command, output: CommandOutput): void {
  const { json } = globalOptions(command);
  streamsOf(command).stdout.write(json ? `${JSON.stringify(output.json, null, 2)}\n` : output.text === '' ? '' : `${output.text}\n`);
}

/** The contract's error answer: one line on stderr, exit code 1. Unexpected errors keep their stack for the admin's bug report. */
export function failWith(command: Command, error: unknown): void {
  const streams = streamsOf(command);
  if (error instanceof DirectoryError || error instanceof ConfigError || error instanceof CliError) {
    streams.stderr.write(`error: ${oneLine(error.message)}\n`);
  } else {
    streams.stderr.write(`error: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
    if (streams.env.CANTHO_MAIL_DEBUG && error instanceof Error) streams.stderr.write(`${error.stack}\n`);
  }
  streams.exitCode = 1;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    // A container user without a passwd entry has no name.
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/**
 * `--password-stdin`: the whole of standard input, without its final line break. Never from an
 * argument, which other users could read in the process list (DESIGN.md "CLI").
 */
export async function readPasswordFromStdin(command: Command): Promise<string> {
  const { stdin } = streamsOf(command);
  if (stdin.isTTY) throw new CliError('--password-stdin reads the password from standard input: pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk));
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new CliError('--password-stdin: standard input is empty');
  return password;
}

/** `key: value` lines for a record, skipping empty values; nested lists joined by ", ". */
export function formatRecord(record: object): string {
  return Object.entries(record)
    .filter(([, value]) => value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0))
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.map(formatValue).join(', ') : formatValue(value)}`)
    .join('\n');
}

function formatValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
