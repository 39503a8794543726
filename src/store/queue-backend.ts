import type { Db } from './database.js';
import { openPgOutboundQueue, openPostgresPool } from './postgres/index.js';
import { SqliteOutboundQueue, type OutboundQueue } from './queue.js';

/** The `[store]` keys that choose where the outbound queue lives (DESIGN.md "Config"). */
export interface QueueBackendSettings {
  readonly backend: 'sqlite' | 'postgres';
  readonly postgres_url: string;
  readonly postgres_pool: number;
}

/**
 * The outbound queue of this node: in its SQLite database, or with `backend = "postgres"` the one
 * queue every node shares (docs/architecture.md "Outbound queue claims"), on a pool of its own.
 * The server and the CLI (`queue list|retry|delete`) open it here, so both see the same queue.
 */
export async function openOutboundQueue(db: Db, settings: QueueBackendSettings): Promise<OutboundQueue> {
  if (settings.backend === 'sqlite') return new SqliteOutboundQueue(db);
  return openPgOutboundQueue(openPostgresPool(settings.postgres_url, { poolSize: settings.postgres_pool }));
}
