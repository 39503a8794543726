import type { Command } from 'commander';
import { runRetention } from '../maintenance/index.js';
import { sendPendingNotices } from '../notices/index.js';
import { runWithDirectory } from './runner.js';

/**
 * `maintenance run`: what the server does daily (docs/architecture.md "Retention and migration") — retention of retired persons' mail,
 * unreferenced bodies removed, addresses freed — plus any violation notice still owed.
 */
export function defineMaintenanceCommands(maintenance: Command): void {

  maintenance
    .command('run')
    .description("purge retired persons' mail after retention.retired_days, then unreferenced bodies; send owed notices")
    .action((_options: unknown, command: Command) =>
      runWithDirectory(command, async ({ config, directory, store, actor }) => {
        const retention = await runRetention(directory, store, actor);
        const notices = await sendPendingNotices({ directory, config, store });
        const text = [
          `retired before ${retention.cutoff}: ${retention.accounts.length} account(s)`,
          ...retention.accounts.map((a) => `  ${a.address}\tretired ${a.retiredAt}\t${a.messagesPurged} message(s) purged\t${a.release}`),
          `messages purged: ${retention.messagesPurged}`,
          `unreferenced bodies removed: ${retention.blobsPurged}`,
          `addresses freed: ${retention.addressesReleased}`,
          `violation notices sent: ${notices.warnings} warning(s), ${notices.reports} report(s)${notices.failed ? `, ${notices.failed} failed` : ''}`,
        ].join('\n');
        return { json: { retention, notices }, text };
      }),
    );
}
