import path from 'node:path';
import type { Command } from 'commander';
import {
  createBackup,
  restoreMailbox,
  restoreMessage,
  restoreServer,
  terminalProgress,
  verifyBackup,
  type MailTarget,
  type RestoreMailReport,
} from '../backup/index.js';
import type { Config } from '../config/index.js';
import { accountOf, requireLocalAddress } from '../directory/index.js';
import type { AccountId } from '../store/index.js';
import { CliError, globalOptions, runWithConfig, runWithDirectory, type CliSession, type CommandOutput } from './runner.js';

/**
 * `backup create|verify|restore|restore-mailbox|restore-message` (DESIGN.md "CLI",
 * docs/backup.en.md). Progress is drawn on a terminal (stderr) unless --json; the result is the
 * usual text or one JSON document. Partial restores write into the running server's database
 * and are audited with the request document.
 */
export function defineBackupCommands(backup: Command): void {

  backup
    .command('create <dir>')
    .description('take a consistent backup while the server runs: database snapshot, data files, manifest.json')
    .action((dir: string, _options: unknown, command: Command) =>
      runWithConfig(command, async (config) => {
        const summary = await createBackup(
          { database: config.paths.database, dataDir: config.paths.dataDir, domain: config.server.domain },
          dir,
          progressFor(command),
        );
        const text = `backup ${summary.dir}: ${summary.counts.messages ?? 0} message(s), ${summary.bytes} bytes in ${summary.durationMs} ms`;
        // docs/postgres.en.md "What runs on PostgreSQL today": the file holds the directory and Bayes, not the mail nor Sieve scripts.
        if (config.store.backend === 'postgres') {
          return { json: { ...summary, mailNotIncluded: 'postgres' }, text: `${text}\nthe mail and Sieve scripts are in PostgreSQL ([store] backend = "postgres"), not in this backup: back it up with PostgreSQL's own tools (docs/postgres.en.md)` };
        }
        return { json: summary, text };
      }),
    );

  backup
    .command('verify <dir>')
    .description('check a backup without a server: manifest, size and SHA-256 of every file, SQLite integrity, row counts')
    .action((dir: string, _options: unknown, command: Command) =>
      runWithConfig(command, async () => {
        const manifest = await verifyBackup(dir, progressFor(command));
        return {
          json: { ok: true, dir: path.resolve(dir), takenAt: manifest.startedAt, counts: manifest.counts, schema: manifest.schema, files: manifest.files.length },
          text: `backup ${path.resolve(dir)} of ${manifest.startedAt} is good: ${manifest.files.length} file(s), ${manifest.counts.messages ?? 0} message(s)`,
        };
      }),
    );

  backup
    .command('restore <dir>')
    .description('restore a whole server into a new, empty data directory')
    .requiredOption('--data-dir <dir>', 'the new data directory (must be empty or missing)')
    .option('--migrate', 'bring a backup made by an older cantho-mail up to this version’s schema')
    .action((dir: string, options: { dataDir: string; migrate?: boolean }, command: Command) =>
      runWithConfig(command, async (config) => {
        const summary = await restoreServer(config, dir, options.dataDir, { migrate: options.migrate === true, progress: progressFor(command) });
        return {
          json: summary,
          text: `restored the backup of ${summary.backupTakenAt} into ${summary.dataDir}${summary.migrated ? ' (schema migrated)' : ''}; start serve with server.data_dir = "${summary.dataDir}"`,
        };
      }),
    );

  backup
    .command('restore-mailbox <dir> <address>')
    .description("copy a mailbox (or one folder) from a backup into the running server's database; a second run adds nothing")
    .option('--folder <name>', 'only this folder')
    .option('--as <address/folder>', 'into another mailbox, under this folder (e.g. luutru@cantho.gov.vn/Hồ sơ annv)')
    .requiredOption('--doc <ref>', 'the request document, for the audit log')
    .action((dir: string, address: string, options: { folder?: string; as?: string; doc: string }, command: Command) =>
      runWithDirectory(command, async (session) => {
        const source = accountFor(session.config, address);
        const target = targetOf(session, source, options);
        const report = await restoreMailbox(session.store, dir, { account: source, folder: options.folder }, target);
        return audited(session, report, { action: 'mailbox.restore', subject: target.account, doc: options.doc, detail: { backup: path.resolve(dir), from: source, folder: options.folder ?? null, as: options.as ?? null } });
      }),
    );

  backup
    .command('restore-message <dir> <address>')
    .description("bring one message back from a backup into the same folder of the running server's database; a second run adds nothing")
    .requiredOption('--message-id <id>', 'its Message-ID, with or without <>')
    .requiredOption('--doc <ref>', 'the request document, for the audit log')
    .action((dir: string, address: string, options: { messageId: string; doc: string }, command: Command) =>
      runWithDirectory(command, async (session) => {
        const account = accountFor(session.config, address);
        requireLiveMailbox(session, account);
        const report = await restoreMessage(session.store, dir, account, options.messageId);
        return audited(session, report, { action: 'message.restore', subject: account, doc: options.doc, detail: { backup: path.resolve(dir), messageId: options.messageId } });
      }),
    );
}

function progressFor(command: Command) {
  return globalOptions(command).json ? undefined : (terminalProgress() ?? undefined);
}

function accountFor(config: Config, address: string): AccountId {
  return accountOf(requireLocalAddress(address, config.localDomains, 'person'), config.server.domain);
}

/** Mail is restored only into a mailbox that exists and is in use: never a retired or unknown one. */
function requireLiveMailbox({ config, directory }: CliSession, account: AccountId): void {
  const local = requireLocalAddress(account, config.localDomains, 'person');
  if (!directory.knowsAddress(local)) throw new CliError(`unknown address ${account}: restore with --as <address>/<folder> into a mailbox in use`);
  if (directory.mailboxOwner(local)?.retired === true) throw new CliError(`${account} is retired: restore with --as <address>/<folder> (e.g. the records office's mailbox)`);
}

function targetOf(session: CliSession, source: AccountId, options: { folder?: string; as?: string }): MailTarget {
  if (options.as === undefined) {
    requireLiveMailbox(session, source);
    return { account: source, folderFor: (folder) => folder };
  }
  const slash = options.as.indexOf('/');
  if (slash <= 0 || slash === options.as.length - 1) throw new CliError(`--as ${JSON.stringify(options.as)}: give <address>/<folder>`);
  const account = accountFor(session.config, options.as.slice(0, slash));
  const base = options.as.slice(slash + 1);
  requireLiveMailbox(session, account);
  // One folder lands as the named folder; a whole mailbox keeps its folders under it.
  return { account, folderFor: (folder) => (options.folder !== undefined ? base : `${base}/${folder}`) };
}

function audited(
  { directory, actor }: CliSession,
  report: RestoreMailReport,
  entry: { action: string; subject: AccountId; doc: string; detail: Record<string, unknown> },
): CommandOutput {
  directory.audit({ actor, ...entry, detail: { ...entry.detail, takenAt: report.backupTakenAt, restored: report.restored, skipped: report.skipped } });
  return {
    json: report,
    text: [
      `restored ${report.restored} message(s) into ${entry.subject} from the backup of ${report.backupTakenAt}, ${report.skipped} already there`,
      ...Object.entries(report.folders).map(([name, c]) => `  ${name}\t${c.restored} restored\t${c.skipped} already there`),
    ].join('\n'),
  };
}
