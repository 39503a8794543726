import { Command } from 'commander';
import { CONFIG_LOOKUP_ORDER } from '../config/index.js';
import { registerAuditCommand } from './audit.js';
import { registerBackupCommands } from './backup.js';
import { registerDelegateCommands } from './delegate.js';
import { registerDkimCommands } from './dkim.js';
import { registerExportCommand } from './export.js';
import { registerImportCommand } from './import.js';
import { registerInitCommand } from './init.js';
import { registerMaintenanceCommands } from './maintenance.js';
import { registerPersonCommands } from './person.js';
import { registerQueueCommands } from './queue.js';
import { registerReplicaCommands } from './replica.js';
import { registerServeCommand } from './serve.js';
import { registerSpamCommands } from './spam.js';
import { registerUnitCommands } from './unit.js';
import { registerViolationCommands } from './violation.js';

/**
 * The `cantho-mail` command line (DESIGN.md "CLI"). Each command group lives in its own file and
 * registers itself here with one line; `--config` and `--json` are declared once on the root and
 * accepted before or after the command (read with `globalOptions(command)` in runner.ts).
 */
const COMMAND_GROUPS: ReadonlyArray<(program: Command) => void> = [
  registerServeCommand,
  registerInitCommand,
  registerDkimCommands,
  registerUnitCommands,
  registerPersonCommands,
  registerDelegateCommands,
  registerViolationCommands,
  registerQueueCommands,
  registerSpamCommands,
  registerAuditCommand,
  registerMaintenanceCommands,
  registerExportCommand,
  registerImportCommand,
  registerBackupCommands,
  registerReplicaCommands,
];

export function buildProgram(): Command {
  const program = new Command('cantho-mail')
    .description('mail server for cantho.gov.vn: SMTP, IMAP and the directory of officials')
    .option('--config <file>', `config file (else the first found of: ${CONFIG_LOOKUP_ORDER})`)
    .option('--json', 'print one JSON document')
    .option('--verbose', 'say on stderr which config file and database are used')
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true });
  for (const register of COMMAND_GROUPS) register(program);
  return program;
}
