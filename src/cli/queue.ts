import type { Command } from 'commander';
import { openOutboundQueue, type OutboundQueue, type QueueEntry } from '../store/index.js';
import { CliError, runWithDirectory, type CliSession, type CommandOutput } from './runner.js';

/**
 * `queue list|retry|delete` (DESIGN.md "CLI") over the outbound queue tables. The running server's
 * worker looks at the queue at least once a second, so a retry takes effect within that.
 */
export function defineQueueCommands(queue: Command): void {

  queue
    .command('list')
    .description('queued messages and the state of each recipient')
    .action((_options: unknown, command: Command) =>
      runWithDirectory(command, (session) =>
        withQueue(session, async (outbound) => {
          const entries = await outbound.list();
          return { json: entries, text: entries.map(entryLines).join('\n') };
        }),
      ),
    );

  queue
    .command('retry <id>')
    .description('try every pending recipient of a queued message now')
    .action((id: string, _options: unknown, command: Command) =>
      runWithDirectory(command, (session) =>
        withQueue(session, async (outbound) => {
          const messageId = parseId(id);
          if (!(await outbound.retry(messageId, new Date()))) throw new CliError(`no queued message ${messageId}`);
          return { json: { retried: messageId }, text: `message ${messageId} will be retried now` };
        }),
      ),
    );

  queue
    .command('delete <id>')
    .description('drop a queued message without a DSN')
    .action((id: string, _options: unknown, command: Command) =>
      runWithDirectory(command, (session) =>
        withQueue(session, async (outbound) => {
          const messageId = parseId(id);
          if (!(await outbound.delete(messageId))) throw new CliError(`no queued message ${messageId}`);
          return { json: { deleted: messageId }, text: `message ${messageId} deleted` };
        }),
      ),
    );
}

/** The queue the server works (`[store] backend`), closed once the command is done. */
async function withQueue(session: CliSession, work: (queue: OutboundQueue) => Promise<CommandOutput>): Promise<CommandOutput> {
  const queue = await openOutboundQueue(session.db, session.config.store);
  try {
    return await work(queue);
  } finally {
    await queue.close();
  }
}

function parseId(text: string): number {
  if (!/^[1-9]\d{0,15}$/.test(text)) throw new CliError(`not a queue id: ${JSON.stringify(text)}`);
  return Number(text);
}

function entryLines(entry: QueueEntry): string {
  const head = `${entry.id}\t${entry.createdAt.toISOString()}\t${entry.size} bytes\t<${entry.sender}>`;
  const recipients = entry.recipients.map(
    (r) => `\t${r.address}\t${r.state}\tattempts=${r.attempts}\tnext=${r.nextAttemptAt.toISOString()}${r.lastError ? `\t${r.lastError}` : ''}`,
  );
  return [head, ...recipients].join('\n');
}
