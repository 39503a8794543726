import type { Command } from 'commander';
import type { ViolationView } from '../directory/index.js';
import { sendPendingNotices } from '../notices/index.js';
import { runWithDirectory } from './runner.js';

/**
 * `violation add|list` (DESIGN.md "CLI"; Điều 10). `add` commits the record, then delivers the
 * warning (and, at the threshold, the report to the head of the unit) itself: the database is
 * shared, so this works with or without a running server.
 */
export function defineViolationCommands(violation: Command): void {

  violation
    .command('add <addr>')
    .description('record a violation by a person')
    .requiredOption('--reason <text>', 'what happened')
    .option('--serious', 'a serious case')
    .action((address: string, options: { reason: string; serious?: boolean }, command: Command) =>
      runWithDirectory(command, async ({ config, directory, store, actor }) => {
        const recorded = directory.recordViolation(address, options.reason, { serious: options.serious === true, source: 'admin', actor });
        const notices = await sendPendingNotices({ directory, config, store });
        const [violation] = directory.admin.listViolations(recorded.person).filter((v) => v.id === recorded.id);
        const lines = [
          `recorded violation ${recorded.id} by ${recorded.person}`,
          `notices sent: ${notices.warnings} warning(s), ${notices.reports} report(s)${notices.failed > 0 ? `, ${notices.failed} failed (sent later by the server)` : ''}`,
          // Điều 10: suspending the unit is the admin's decision, on a written request.
          ...(recorded.serious ? [`serious: to suspend the unit, run \`cantho-mail unit suspend <unit> --reason <text> --doc <ref>\``] : []),
        ];
        return { json: { ...violation, notices }, text: lines.join('\n') };
      }),
    );

  violation
    .command('list [addr]')
    .description("list violations, all or one person's")
    .action((address: string | undefined, _options: unknown, command: Command) =>
      runWithDirectory(command, ({ directory }) => {
        const violations = directory.admin.listViolations(address);
        return { json: violations, text: violations.map(violationLine).join('\n') };
      }),
    );
}

function violationLine(v: ViolationView): string {
  const notices = [v.warnedAt ? `warned ${v.warnedAt}` : 'warning owed', v.reportedAt ? `reported ${v.reportedAt}` : ''];
  return [String(v.id), v.createdAt, v.person, v.serious ? 'serious' : '', v.source, v.reason, ...notices].filter(Boolean).join('\t');
}
