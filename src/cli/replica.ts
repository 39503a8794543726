import type { Command } from 'commander';
import { restoreReplica } from '../backup/index.js';
import { runWithConfig } from './runner.js';

/** `replica restore --to DIR [--timestamp T]` (DESIGN.md "CLI", docs/backup.en.md "Warm standby"). */
export function defineReplicaCommands(replica: Command): void {
  replica
    .command('restore')
    .description('write the database from the replica into a new data directory, as of now or of --timestamp')
    .requiredOption('--to <dir>', 'the new data directory (must be empty or missing)')
    .option('--timestamp <time>', 'point in time, e.g. 2026-12-02T10:15:00Z (within [replica] retention)')
    .action((options: { to: string; timestamp?: string }, command: Command) =>
      runWithConfig(command, async (config) => {
        const summary = await restoreReplica(config, options.to, options.timestamp);
        return {
          json: summary,
          text: `restored the replica${summary.timestamp ? ` as of ${summary.timestamp}` : ''} into ${summary.dataDir} in ${summary.durationMs} ms; start serve with server.data_dir = "${summary.dataDir}"`,
        };
      }),
    );
}
