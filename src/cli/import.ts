import { accessSync, constants } from 'node:fs';
import type { Command } from 'commander';
import { accountOf, requireLocalAddress } from '../directory/index.js';
import { readMboxFile } from '../mime/index.js';
import { importMbox } from '../maintenance/index.js';
import { openImportLedger } from '../store/index.js';
import { CliError, printOutput, runWithDirectory } from './runner.js';

/**
 * `import <addr> --mbox FILE [--folder NAME]`: mail from the old system (docs/architecture.md "Retention and migration"). Idempotent and
 * resumable; a broken or truncated file imports what comes before the damage, reports the line
 * and exits 1, so a script notices; run it again once the file is repaired.
 */
export function defineImportCommand(importCommand: Command): void {
  importCommand
    .requiredOption('--mbox <file>', 'the mbox file to read')
    .option('--folder <name>', 'put every message in this folder (default: X-Folder of each message, else INBOX)')
    .action((address: string, options: { mbox: string; folder?: string }, command: Command) =>
      runWithDirectory(command, async ({ config, directory, db, store, actor }) => {
        const local = requireLocalAddress(address, config.localDomains, 'person');
        const account = accountOf(local, config.server.domain);
        const owner = directory.mailboxOwner(local);
        if (owner === null) throw new CliError(`unknown person or unit ${JSON.stringify(address)}`);
        if (owner.retired) throw new CliError(`${account} is retired: no mail is imported into a retired mailbox`);
        try {
          accessSync(options.mbox, constants.R_OK);
        } catch (err) {
          throw new CliError(`cannot read ${options.mbox}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        const report = await importMbox(store, openImportLedger(db, store), account, readMboxFile(options.mbox), { folder: options.folder });
        directory.audit({
          actor,
          action: 'mailbox.import',
          subject: account,
          detail: { file: options.mbox, imported: report.imported, skipped: report.skipped, stoppedAt: report.stoppedAt },
        });
        const output = {
          json: report,
          text: [
            `imported ${report.imported} message(s) into ${account}, ${report.skipped} already there`,
            ...Object.entries(report.folders).map(([name, c]) => `  ${name}\t${c.imported} imported\t${c.skipped} skipped`),
          ].join('\n'),
        };
        if (report.stoppedAt === null) return output;
        // What was imported is still printed (stdout); the damage is the contract's one-line error and exit 1.
        printOutput(command, output);
        throw new CliError(`${options.mbox}: stopped at line ${report.stoppedAt.line}: ${report.stoppedAt.detail}; repair the file and run the import again`);
      }),
    );
}
