import type { Command } from 'commander';
import { migrateSqliteFileToPostgres, StoreError } from '../store/index.js';
import { CliError, failWith, printOutput } from './runner.js';

/**
 * `migrate --from sqlite:PATH --to postgres:URL` (DESIGN.md "CLI"; docs/postgres.en.md "Moving an
 * installation"): copies the mail, Sieve scripts and vacation record of a single-node installation
 * into an empty PostgreSQL store, keeping UIDVALIDITY, UIDs, MODSEQs and flags, and checks the
 * copy before committing it.
 */
export function defineMigrateCommand(migrate: Command): void {
  migrate
    .requiredOption('--from <sqlite:PATH>', "the installation's database file, e.g. sqlite:/var/lib/cantho-mail/mail.db")
    .requiredOption('--to <postgres:URL>', 'the empty PostgreSQL database, e.g. postgres://cantho@db1:5432/cantho_mail')
    .action(async (options: { from: string; to: string }, command: Command) => {
      try {
        const file = sqlitePath(options.from);
        const url = postgresUrl(options.to);
        const report = await migrateSqliteFileToPostgres(file, url).catch((error: unknown) => {
          if (error instanceof StoreError) throw new CliError(error.message);
          throw error;
        });
        printOutput(command, {
          json: report,
          text: [
            `copied and verified: ${report.mailboxes} mailboxes, ${report.messages} messages, ${report.bodies} bodies (${report.bodyBytes} bytes),`,
            `  ${report.subscriptions} subscriptions, ${report.expunged} VANISHED records, ${report.privateSeen} private \\Seen marks,`,
            `  ${report.unitReminders} unit reminder and ${report.unitDigests} unit digest records, ${report.importLedger} import ledger rows` +
              (report.textExtracted > 0 ? `; search text extracted for ${report.textExtracted} bodies not yet indexed` : ''),
            `  ${report.sieveScripts} Sieve scripts, ${report.vacationReplies} vacation reply records`,
          ].join('\n'),
        });
      } catch (error) {
        failWith(command, error);
      }
    });
}

/** `--from sqlite:/path` → `/path`. */
function sqlitePath(value: string): string {
  const file = value.startsWith('sqlite:') ? value.slice('sqlite:'.length) : '';
  if (file === '') throw new CliError(`--from wants sqlite:PATH, got ${JSON.stringify(value)}`);
  return file;
}

/** `--to postgres://…` (or `postgresql://…`) stays whole: the driver reads the URL. */
function postgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//.test(value)) throw new CliError(`--to wants postgres://…, got ${JSON.stringify(value)}`);
  return value;
}
