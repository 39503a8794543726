import path from 'node:path';
import type { Command } from 'commander';
import { accountOf, requireLocalAddress } from '../directory/index.js';
import { exportMbox } from '../maintenance/index.js';
import { CliError, runWithDirectory } from './runner.js';

/** `export <addr> --mbox FILE`: every folder of a person's or unit's mailbox (docs/architecture.md "Retention and migration"; format in src/maintenance/mbox-export.ts). */
export function defineExportCommand(exportCommand: Command): void {
  exportCommand
    .requiredOption('--mbox <file>', 'the mbox file to write')
    .action((address: string, options: { mbox: string }, command: Command) =>
      runWithDirectory(command, async ({ config, directory, store, actor }) => {
        const local = requireLocalAddress(address, config.localDomains, 'person');
        const account = accountOf(local, config.server.domain);
        if (!directory.knowsAddress(local)) throw new CliError(`unknown address ${JSON.stringify(address)}`);
        if ((await store.listMailboxes(account)).length === 0) throw new CliError(`${account} has no mailbox (never used, or purged)`);
        const report = await exportMbox(store, account, path.resolve(options.mbox));
        directory.audit({ actor, action: 'mailbox.export', subject: account, detail: { file: report.file, messages: report.messages } });
        return {
          json: report,
          text: [`exported ${report.messages} message(s) of ${account} to ${report.file}`, ...report.folders.map((f) => `  ${f.name}\t${f.messages}`)].join('\n'),
        };
      }),
    );
}
