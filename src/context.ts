import type { Logger } from 'pino';
import type { ReplicaHealth } from './backup/index.js';
import type { Config } from './config/index.js';
import type { DnsLookup } from './dns/index.js';
import type { DirectoryService } from './directory/api.js';
import type { FilterPipeline } from './filters/verdict.js';
import type { MemoryBudget } from './limits/index.js';
import type { MailStore } from './store/api.js';
import type { OutboundQueue } from './store/queue.js';
import type { WorkerPool } from './workers/index.js';

/**
 * DNS lookups as `dns.promises.resolve(name, rrtype)` does them. Injected everywhere DNS is
 * needed (SPF/DKIM/DMARC, MX lookup for the outbound queue, DNSBL): tests pass a table.
 */
export type DnsResolver = DnsLookup;

export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/** Everything a listener needs, built once by src/server.ts (the composition root). */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: MailStore;
  /** Outbound SMTP queue tables (src/store/queue.ts), worked by src/smtp/queue-worker.ts. */
  readonly queue: OutboundQueue;
  readonly directory: DirectoryService;
  readonly filters: FilterPipeline;
  readonly tls: TlsMaterial;
  readonly resolver: DnsResolver;
  /** Message bytes in memory across every session (`[limits] memory_ceiling`). */
  readonly memory: MemoryBudget;
  /** Threads for the costly work on message bytes, within `[limits] message_cpu_budget` (src/workers). */
  readonly workers: WorkerPool;
  /** The Litestream replica's health for /healthz; null without `[replica] url`. */
  readonly replica?: { health(): ReplicaHealth } | null;
}

/** A started listener; `port` is the real one (tests configure port 0). */
export interface RunningListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}
