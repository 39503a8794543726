import type { Command } from 'commander';
import { listViolations, recordViolation, type ViolationView } from '../directory/index.js';
import { runWithDirectory } from './runner.js';

/** `violation add|list` (DESIGN.md "CLI"; Điều 10 — warnings and reports come with issue 7). */
export function registerViolationCommands(program: Command): void {
  const violation = program.command('violation').description('violations of the mail regulation (Điều 10)');

  violation
    .command('add <addr>')
    .description('record a violation by a person')
    .requiredOption('--reason <text>', 'what happened')
    .option('--serious', 'a serious case')
    .action((address: string, options: { reason: string; serious?: boolean }, command: Command) =>
      runWithDirectory(command, ({ ctx, actor }) => {
        const recorded = recordViolation(ctx, address, options.reason, { serious: options.serious === true, source: 'admin', actor });
        return { json: recorded, text: `recorded violation ${recorded.id} by ${recorded.person}` };
      }),
    );

  violation
    .command('list [addr]')
    .description("list violations, all or one person's")
    .action((address: string | undefined, _options: unknown, command: Command) =>
      runWithDirectory(command, ({ ctx }) => {
        const violations = listViolations(ctx, address);
        return { json: violations, text: violations.map(violationLine).join('\n') };
      }),
    );
}

function violationLine(v: ViolationView): string {
  return [String(v.id), v.createdAt, v.person, v.serious ? 'serious' : '', v.source, v.reason].filter(Boolean).join('\t');
}
