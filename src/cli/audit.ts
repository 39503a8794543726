import type { Command } from 'commander';
import { accountOf, parseLocalAddress } from '../directory/index.js';
import type { AuditRow } from '../directory/index.js';
import { CliError, runWithDirectory } from './runner.js';

/** `audit [--subject <addr>] [--since <date>]` (DESIGN.md "CLI"): the directory's and delegates' record. */
export function defineAuditCommand(audit: Command): void {
  audit
    .option('--subject <addr>', 'only rows about this person or unit')
    .option('--since <date>', 'only rows from this date or time (e.g. 2026-11-01 or 2026-11-01T08:00:00Z)')
    .action((options: { subject?: string; since?: string }, command: Command) =>
      runWithDirectory(command, ({ directory, config }) => {
        const since = options.since === undefined ? undefined : parseSince(options.since);
        const local = options.subject === undefined ? null : parseLocalAddress(options.subject, config.localDomains);
        const subject = local === null ? options.subject?.toLowerCase() : accountOf(local, config.server.domain);
        const rows = directory.queryAudit({ subject, since });
        return { json: rows, text: rows.map(auditLine).join('\n') };
      }),
    );
}

function parseSince(text: string): string {
  // A bare date is the start of that day, UTC: the audit log's times are UTC.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  const time = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(time)) throw new CliError(`--since: not a date like 2026-11-01: ${JSON.stringify(text)}`);
  return new Date(time).toISOString();
}

function auditLine(row: AuditRow): string {
  return [row.at, row.actor, row.action, row.subject, row.doc ? `doc ${row.doc}` : '', delegateSummary(row)].filter(Boolean).join('\t');
}

/** A delegate action (docs/architecture.md "Unit mailboxes", on record): the folder, where messages went, and which messages, readable without --json. */
function delegateSummary(row: AuditRow): string {
  const detail = row.detail;
  if (!row.action.startsWith('delegate.') || typeof detail !== 'object' || detail === null) return '';
  const { mailbox, source, destination, to, messages, count } = detail as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof source === 'string') parts.push(`${source} →`);
  if (typeof mailbox === 'string') parts.push(mailbox);
  // A copy or move names the other folder; a renamed folder its new name.
  const onward = destination ?? to;
  if (typeof onward === 'string') parts.push(`→ ${onward}`);
  if (Array.isArray(messages)) {
    const listed = messages.map((m: { messageId?: string | null; subject?: string | null }) => `${m.messageId ?? '(no Message-ID)'} "${m.subject ?? ''}"`);
    const more = typeof count === 'number' && count > listed.length ? ` and ${count - listed.length} more` : '';
    parts.push(listed.join(', ') + more);
  }
  return parts.join(' ');
}
