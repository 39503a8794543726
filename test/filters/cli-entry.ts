import { Command } from 'commander';
import { registerSpamCommands } from '../../src/cli/spam.js';

/**
 * The `spam` command group on a root program shaped like src/cli/program.ts (global --config and
 * --json), so cli-spam.test.ts runs it as a real process before it is wired into the main CLI.
 */
const program = new Command('cantho-mail').option('--config <file>').option('--json');
registerSpamCommands(program);
await program.parseAsync(process.argv);
