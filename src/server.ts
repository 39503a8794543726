import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { AppContext, DnsResolver, RunningListener } from './context.js';
import { ReplicaSupervisor, scheduleBackups } from './backup/index.js';
import { Directory } from './directory/index.js';
import { createBoundedLookup } from './dns/index.js';
import { BayesLearner } from './filters/index.js';
import { MESSAGE_FACTS } from './filters/index.js';
import { createFilterPipeline } from './filters/index.js';
import { databaseCheck, diskCheck, HealthMonitor, queueCheck, VirusScannerWatch } from './health/index.js';
import { startImap } from './imap/index.js';
import { limitMallocArenas, MemoryBudget, MemoryReturn, MessageSpool, type MemoryUse } from './limits/index.js';
import { ANALYZE_MESSAGE } from './mime/index.js';
import { createLogger } from './logger.js';
import { scheduleDaily } from './maintenance/index.js';
import { runRetention } from './maintenance/index.js';
import { ViolationNoticeOutbox } from './notices/index.js';
import { QuotaNotices, UnitDiligence, type DiligenceRun } from './notices/index.js';
import { startLdap } from './ldap/index.js';
import { redirectPolicy, RUN_SIEVE, startManageSieve } from './sieve/index.js';
import { INSPECT_INBOUND, INSPECT_SUBMISSION, startSmtp, type SmtpStartOptions } from './smtp/index.js';
import { openBayesStore, openSieveScriptStore } from './store/index.js';
import { leaveCheckpointsToReplica, openDatabase, openMailStore, startChangeBus } from './store/index.js';
import { openOutboundQueue } from './store/index.js';
import { loadTlsCertificate } from './tls.js';
import { poolSize, WorkerPool } from './workers/index.js';
import { startWeb } from './web/index.js';

/**
 * The composition root (DESIGN.md): builds every module from the config, starts the listeners,
 * and stops them in the reverse order. Nothing else constructs modules.
 */

export interface ServerOptions {
  readonly logger?: Logger;
  /** DNS for SPF/DKIM/DMARC, MX lookups and DNSBLs; tests inject a table. */
  readonly resolver?: DnsResolver;
  /** Directory tuning for tests (cheaper argon2). */
  readonly directory?: Partial<Pick<ConstructorParameters<typeof Directory>[0], 'argon2' | 'throttle' | 'loginCacheTtlMs'>>;
  readonly smtp?: SmtpStartOptions;
  /** The clock of the directory (audit rows, notices), of unit diligence (src/notices/unit-diligence.ts) and of web sessions; tests move it across working days and past timeouts. */
  readonly clock?: () => Date;
}

export interface RunningServer {
  readonly context: AppContext;
  readonly listeners: readonly RunningListener[];
  /** The real port of a listener by name ("smtp-mx", "imap", "http", …). */
  port(name: string): number;
  /** Unit mailbox reminders and digests: what serve runs every `[units] check_every`, run now (refused on PostgreSQL: not there yet). */
  readonly unitDiligence: { check(): Promise<DiligenceRun> };
  /** SIGHUP: re-read the spam rules and the TLS certificate now. */
  reload(): void;
  close(): Promise<void>;
}

/** The analysis threads from `[limits]` (src/workers), with the MX's tasks preloaded; await `ready()` before taking mail. */
export function startAnalysisWorkers(config: Config, resolver: DnsResolver, logger: Logger): WorkerPool {
  return new WorkerPool({
    size: poolSize(config.limits.analysis_workers),
    queueLimit: config.limits.analysis_queue,
    budgetMs: config.limits.message_cpu_budget,
    resolver,
    logger,
    preload: [INSPECT_INBOUND, INSPECT_SUBMISSION, MESSAGE_FACTS, ANALYZE_MESSAGE, RUN_SIEVE],
  });
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const db = openDatabase(config.paths.database);
  const { store, diligence, close: closeStore } = await openMailStore(db, config.store, { vanishedHistory: config.imap.vanished_history, indexUnindexed: true });
  const directory = new Directory({ db, config, store, logger, ...options.directory, ...(options.clock ? { now: options.clock } : {}) });
  const resolver: DnsResolver = options.resolver ?? createBoundedLookup(config.dns, logger.child({ module: 'dns' }));
  // Before the worker threads start, so that they share the capped arenas (src/limits memory-return.ts).
  limitMallocArenas();
  const workers = startAnalysisWorkers(config, resolver, logger);
  // Continuity (src/backup): Litestream takes over checkpoints before it starts reading the WAL.
  const replica = config.replica.url === '' ? null : new ReplicaSupervisor(config, logger.child({ module: 'replica' }));
  if (replica) {
    leaveCheckpointsToReplica(db);
    await replica.start();
  }
  const stopBackups = scheduleBackups(config, logger.child({ module: 'backup' }));
  const filters = createFilterPipeline(config, { logger, resolver, bayes: new BayesLearner(openBayesStore(db)), workers, officialNames: () => directory.officialNames() });
  const queue = await openOutboundQueue(db, config.store);
  const sieve = await openSieveScriptStore(db, config.store, store.events);
  const tlsCertificate = await loadTlsCertificate(config, logger.child({ module: 'tls' }));
  tlsCertificate.watchFiles();
  // /healthz components (src/health); the clamd watch warns at start when mail would go unscanned or be refused.
  // Nodes sharing one PostgreSQL store hear each other's changes (docs/postgres.en.md "Change events between nodes").
  const changeBus = config.store.backend === 'postgres' ? await startChangeBus(config.store.postgres_url, store, logger.child({ module: 'change-bus' }), { sieve }) : null;
  const health = new HealthMonitor();
  const virusScanner = new VirusScannerWatch(config.clamav, logger);
  health.add('database', databaseCheck(store, config.server.domain));
  health.add('virus scanner', virusScanner.check);
  health.add('disk', diskCheck(config.paths.dataDir));
  health.add('queue', queueCheck(queue));
  if (replica) {
    health.add('replica', () => {
      const { status, lagSeconds } = replica.health();
      return { status, detail: lagSeconds === null ? 'Litestream is not answering' : lagSeconds === 0 ? 'caught up' : `${lagSeconds.toFixed(1)} s behind` };
    });
  }
  const context: AppContext = {
    config,
    logger,
    store,
    queue,
    directory,
    filters,
    tls: tlsCertificate,
    resolver,
    memory: new MemoryBudget(config.limits.memory_ceiling, new MemoryReturn((before, after) => logger.info({ before: mib(before), after: mib(after) }, 'freed memory returned to the system after a spike'))),
    // Files a crash left in the spool are removed here, before any listener starts.
    spool: MessageSpool.open(config.paths.dataDir, config.limits.spool_threshold),
    workers,
    health,
    sieve,
  };

  // --- Điều 10 notices, Điều 9 unit reminders and the daily retention job (src/notices, src/maintenance) ---
  // The outbox is worked at start (notices a crash left owed), after each violation this process
  // records, and when another process (the CLI) wrote the database.
  const outbox = new ViolationNoticeOutbox({ directory, config, store, logger });
  directory.violations.on('recorded', () => outbox.kick());
  store.events.on('change', (change) => {
    if (change.kind === 'external') outbox.kick();
  });
  outbox.kick();
  // Quota: the 90 % warning after every change to an account's mailboxes (src/notices/quota-notices.ts).
  const quotaNotices = new QuotaNotices({ directory, config, store, displayName: (account) => directory.displayName(account), logger });
  store.events.on('change', (change) => {
    // Checked by the node that made the change; every node checking would race to warn twice.
    if (changeBus?.emittingRemoteChange) return;
    if (change.kind === 'append' || change.kind === 'expunge' || change.kind === 'mailboxes') void quotaNotices.check(change.account);
  });
  const stopRetention = scheduleDaily('retention', () => runRetention(directory, store, 'system'), logger, {
    didWork: (report) => report.accounts.length + report.messagesPurged + report.blobsPurged > 0,
  });
  // Điều 9.2: reminders of unread unit INBOX messages and the daily digest (src/notices/unit-diligence.ts).
  const unitDiligence = new UnitDiligence({ config, directory, store, diligence, workers, clock: () => directory.now(), logger });
  const checkEvery = config.units.check_every;
  const stopDiligence = scheduleDaily('unit diligence', () => unitDiligence.check(), logger, {
    didWork: (run) => run.reminded + run.digests > 0,
    firstDelayMs: checkEvery,
    intervalMs: checkEvery,
  });
  // --- end of notices and retention ---

  const listeners: RunningListener[] = [];
  const closeAll = async () => {
    // Listeners first (no new work), then the filters' watchers and periodic jobs, then the store
    // finishes its pending group commit and closes the database.
    await Promise.allSettled(listeners.map((listener) => listener.close()));
    filters.close();
    tlsCertificate.close();
    virusScanner.stop();
    stopRetention();
    stopDiligence();
    await outbox.idle();
    await unitDiligence.idle();
    await workers.close();
    stopBackups();
    await changeBus?.close();
    await queue.close();
    await sieve.close();
    await closeStore();
    // After the store: Litestream ships the last commits as it stops.
    await replica?.stop();
  };
  try {
    // A message that arrives before the workers can take it would wait for their start-up.
    await workers.ready();
    await virusScanner.start();
    listeners.push(...(await startWeb(context, () => directory.now().getTime())));
    listeners.push(...(await startSmtp(context, options.smtp)));
    listeners.push(...(await startImap(context)));
    const manageSieve = await startManageSieve(context, redirectPolicy(config.sieve, (domain) => directory.isLocalDomain(domain)));
    if (manageSieve) listeners.push(manageSieve);
    listeners.push(...(await startLdap(context)));
  } catch (error) {
    await closeAll();
    throw error;
  }
  logger.info({ listeners: listeners.map((l) => `${l.name}=${l.host}:${l.port}`) }, 'cantho-mail started');

  let closing: Promise<void> | null = null;
  return {
    context,
    listeners,
    unitDiligence,
    port(name) {
      const listener = listeners.find((l) => l.name === name);
      if (!listener) throw new Error(`no listener named ${name}; have ${listeners.map((l) => l.name).join(', ')}`);
      return listener.port;
    },
    reload() {
      const result = filters.reloadRules();
      const certificateReloaded = tlsCertificate.reload();
      logger.info({ result, certificateReloaded }, 'reload requested');
    },
    close() {
      closing ??= closeAll().then(() => logger.info('cantho-mail stopped'));
      return closing;
    },
  };
}

/** process.memoryUsage() parts in MiB, for a log line a reader can compare at a glance. */
function mib(use: MemoryUse): Record<keyof MemoryUse, number> {
  const round = (bytes: number): number => Math.round(bytes / 1024 / 1024);
  return { rss: round(use.rss), rssAnon: round(use.rssAnon), rssFile: round(use.rssFile), heapUsed: round(use.heapUsed), heapTotal: round(use.heapTotal), external: round(use.external), arrayBuffers: round(use.arrayBuffers) };
}
