import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { DnsLookup } from './dns/index.js';
import type { DirectoryService } from './directory/index.js';
import type { FilterPipeline } from './filters/index.js';
import type { HealthMonitor } from './health/index.js';
import type { MemoryBudget, MessageSpool } from './limits/index.js';
import type { MailStore } from './store/index.js';
import type { OutboundQueue, SieveScriptStore } from './store/index.js';
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

/**
 * The server's certificate and key as they are now: `key`/`cert` and `secureContext` are the pair
 * a new connection gets. They change when the pair is reloaded (SIGHUP, or `[tls] cert`/`key`
 * replaced on disk: ACME clients renew in place); connections already open keep theirs.
 */
export interface TlsCertificate extends TlsMaterial {
  readonly secureContext: SecureContext;
  /** Called after each reload that took a new pair, for listeners that hold their own copy. */
  onChange(listener: (material: TlsMaterial) => void): void;
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
  readonly tls: TlsCertificate;
  readonly resolver: DnsResolver;
  /** Message bytes in memory across every session (`[limits] memory_ceiling`). */
  readonly memory: MemoryBudget;
  /** Where message bodies over `[limits] spool_threshold` wait on disk while they arrive (src/limits/spool.ts). */
  readonly spool: MessageSpool;
  /** Threads for the costly work on message bytes, within `[limits] message_cpu_budget` (src/workers). */
  readonly workers: WorkerPool;
  /** Officials' Sieve scripts and the out-of-office record (src/store/sieve.ts), run at delivery (src/sieve). */
  readonly sieve: SieveScriptStore;
  /** The components `/healthz` reports (src/health); modules started later add theirs (`replica`). */
  readonly health: HealthMonitor;
}

/** A started listener; `port` is the real one (tests configure port 0). */
export interface RunningListener {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}
