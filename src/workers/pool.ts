import { setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { DnsResolver } from '../context.js';
import type { FromWorker, KnownAnswer, SharedInput, TaskRef, ToWorker } from './protocol.js';
import { threadCpuMs } from './thread-cpu.js';

/**
 * A fixed number of worker threads that run the costly work on message bytes (parsing,
 * authentication, analysis, signing) so that one hostile message cannot stall the event loop that
 * serves every SMTP, IMAP and HTTP client (DESIGN.md "Config" [limits]).
 *
 * Invariants:
 * - a worker runs one job at a time, and at most `size` run at once; a job waits in a queue of at most `queueLimit` jobs, past
 *   which run() fails at once with WorkQueueFull (never an unbounded queue);
 * - small jobs (a message of at most SMALL_JOB_BYTES) go first, and may also take the spare
 *   worker while `size` others are busy: an ordinary message never waits behind large or slow
 *   ones (the same lanes as the clamd scan slots, src/filters/scan-slots.ts);
 * - each job has `budgetMs` of CPU time on its worker thread (thread-cpu.ts; time on the worker,
 *   DNS waits excluded, where that cannot be read), and at most WAIT_FACTOR times that in time on
 *   the worker; past it the worker is terminated (whatever it was stuck in), replaced, and
 *   the job fails with WorkBudgetExceeded — jobs on the other workers never wait for it; the
 *   thread's CPU time is read (from /proc) only once a job's time passes its budget or
 *   DEMOTE_AFTER_CPU_MS, and by each worker every CPU_READING_EVERY_MS of its jobs' time
 *   (runner.ts), a job's CPU counting from that reading plus the time since, so up to that much
 *   of a job's CPU may go uncounted, never another job's;
 * - every job settles exactly once, also when its worker dies or the pool closes;
 * - workers run at the event loop's priority, so ordinary mail is not the first thing a loaded
 *   machine starves; a job past DEMOTE_AFTER_CPU_MS of CPU (a costly or hostile message) has
 *   its thread niced to COSTLY_JOB_NICE, so the event loop that answers every client keeps its
 *   turn, and its worker is replaced afterwards (an unprivileged process cannot lower a nice
 *   value again).
 */

export class WorkBudgetExceeded extends Error {
  constructor(readonly label: string, readonly budgetMs: number) {
    super(`${label}: over the ${budgetMs} ms analysis budget`);
    this.name = 'WorkBudgetExceeded';
  }
}

export class WorkQueueFull extends Error {
  constructor(readonly queueLimit: number) {
    super(`analysis queue full (${queueLimit} jobs waiting)`);
    this.name = 'WorkQueueFull';
  }
}

/** The worker died (or the pool closed) before the job finished, or the task itself threw. */
export class WorkFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkFailed';
  }
}

export interface WorkerPoolOptions {
  readonly size: number;
  readonly queueLimit: number;
  readonly budgetMs: number;
  readonly resolver: DnsResolver;
  readonly logger: Logger;
  /** What the pool's jobs are, for its log lines (default "message analysis"). */
  readonly purpose?: string;
  /** Tasks whose modules every worker imports as it starts, so that the first messages do not wait for them. */
  readonly preload?: ReadonlyArray<TaskRef<never, unknown>>;
}

/** What a job may bring besides its input. */
export interface JobExtras {
  /** The constant inputs the job's input names by SharedRef, posted to the worker that takes the job unless it has them already. */
  readonly shared?: ReadonlyArray<SharedInput<unknown>>;
  /** DNS answers the caller already holds: each saves the worker a round trip to the main thread per question. */
  readonly answers?: readonly KnownAnswer[];
}

interface Job {
  readonly id: number;
  readonly label: string;
  readonly message: ToWorker & { kind: 'run' };
  readonly shared: ReadonlyArray<SharedInput<unknown>>;
  readonly resolve: (output: unknown) => void;
  readonly reject: (error: Error) => void;
  slot: Slot | null;
  remainingMs: number;
  /** Time on its worker so far, DNS waits excluded; and the worker thread's CPU time when the job started. */
  activeMs: number;
  cpuAtStart: number;
  clockStartedAt: number;
  timer: NodeJS.Timeout | null;
  /** The next look at its CPU time, to demote it once it is costly (see the invariants). */
  demotionCheck: NodeJS.Timeout | null;
  lookupsInFlight: number;
  recycle: boolean;
  readonly small: boolean;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  cpuStat: string | null;
  /** The thread's CPU time as of its last message (its last job's end): where the next job's budget counts from. */
  cpuMs: number | null;
  retired: boolean;
  job: Job | null;
  /** The version of each shared input this worker was sent. */
  readonly sharedVersions: Map<string, number>;
}

const THREAD = new URL('./thread.mjs', import.meta.url);
const RUNNER = new URL('./runner.ts', import.meta.url).href;
/** Workers that die before they are ready, in a row, before the pool stops replacing them. */
const MAX_START_FAILURES = 3;
/**
 * Started workers beyond `size`, idle: a worker terminated over its budget is replaced at once by
 * one that has already loaded its modules (a start-up takes a second or more), so one hostile
 * message never costs the others a worker.
 */
const SPARE_WORKERS = 1;
/** How long, in multiples of the budget, a job may take on its worker when it is not using CPU (a loaded machine). */
const WAIT_FACTOR = 4;
/** Messages up to this size are small jobs (see the invariants). */
const SMALL_JOB_BYTES = 128 * 1024;
/**
 * CPU time after which a job is costly: far above an ordinary message (a 4 KB message's
 * inspection takes a few ms, one of several MB some tens), so a worker is rarely replaced for
 * honest mail (a start-up costs a second of CPU), and far below `[limits] message_cpu_budget`.
 * Measured in the served SMTP bench with other processes loading the machine: with every worker
 * niced from the start, the inspection waited a median 260–350 ms for a core, against 65–95 ms
 * at the event loop's priority.
 */
const DEMOTE_AFTER_CPU_MS = 500;
/**
 * How often a running job's CPU time is read, until it is demoted or done; the first read only
 * after DEMOTE_AFTER_CPU_MS on its worker (CPU ≤ time), so an ordinary job costs no read of /proc.
 */
const DEMOTION_CHECK_MS = 100;
/**
 * Linux nice values are per thread (setpriority(2) on a thread id): a demoted worker yields the
 * CPU to the event loop and to the workers running ordinary messages.
 */
const COSTLY_JOB_NICE = 10;

export class WorkerPool {
  private readonly slots = new Set<Slot>();
  /** Waiting jobs: small ones, then the others, each first come first served. */
  private readonly smallQueue: Job[] = [];
  private readonly largeQueue: Job[] = [];
  private nextJob = 1;
  private startFailures = 0;
  private closed = false;
  private readonly started: Promise<void>;
  private markStarted: (error?: Error) => void = () => undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.started = new Promise<void>((resolve, reject) => {
      this.markStarted = (error) => (error ? reject(error) : resolve());
    });
    // Judged by whoever awaits ready(); a pool nobody waits for must not fail the process.
    this.started.catch(() => undefined);
    for (let i = 0; i < options.size + SPARE_WORKERS; i++) this.spawn();
  }

  /** Resolves once every worker has started (modules preloaded); rejects when they cannot start. */
  ready(): Promise<void> {
    return this.started;
  }

  /**
   * Runs `task` on a worker; `label` (the message's queue id) names it in logs and errors, and
   * `messageBytes` (the size of the message it works on) chooses its lane. A worker is kept after
   * a job on a big message: a new thread costs a second or more of CPU to load its modules, which
   * made five 20 MB MX messages cost 10 s of CPU instead of 4.6 (bench hostile mx-5x20mb), and
   * the memory such a job freed comes back without it (src/limits/memory-return.ts: two malloc
   * arenas; measured after ten 20 MB APPENDs, RSS +2 % over idle).
   */
  run<Input, Output>(task: TaskRef<Input, Output>, input: Input, label: string, messageBytes: number, extras: JobExtras = {}): Promise<Output> {
    if (this.closed) return Promise.reject(new WorkFailed('analysis workers are closed'));
    if (this.slots.size === 0 && this.startFailures >= MAX_START_FAILURES) return Promise.reject(new WorkFailed('analysis workers cannot start'));
    if (this.waiting() >= this.options.queueLimit) return Promise.reject(new WorkQueueFull(this.options.queueLimit));
    return new Promise<Output>((resolve, reject) => {
      const id = this.nextJob++;
      const small = messageBytes <= SMALL_JOB_BYTES;
      (small ? this.smallQueue : this.largeQueue).push({
        id,
        label,
        message: { kind: 'run', job: id, module: task.module, name: task.name, input, ...(extras.answers ? { answers: extras.answers } : {}) },
        shared: extras.shared ?? [],
        resolve: resolve as (output: unknown) => void,
        reject,
        slot: null,
        remainingMs: this.options.budgetMs,
        activeMs: 0,
        cpuAtStart: 0,
        clockStartedAt: 0,
        timer: null,
        demotionCheck: null,
        lookupsInFlight: 0,
        recycle: false,
        small,
      });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.takeAllWaiting()) job.reject(new WorkFailed('analysis workers are closed'));
    await Promise.all([...this.slots].map((slot) => this.retire(slot, new WorkFailed('analysis workers are closed'))));
  }

  private spawn(): void {
    if (this.closed) return;
    const preload = (this.options.preload ?? []).map((task) => task.module);
    const worker = new Worker(THREAD, { workerData: { runner: RUNNER, preload } });
    // Jobs keep the process alive through the sockets waiting for them; an idle pool must not.
    worker.unref();
    const slot: Slot = { worker, ready: false, cpuStat: null, cpuMs: null, retired: false, job: null, sharedVersions: new Map() };
    this.slots.add(slot);
    worker.on('message', (message: FromWorker) => this.receive(slot, message));
    worker.on('error', (error) => this.died(slot, error));
    worker.on('exit', (code) => this.died(slot, new Error(`worker exited with code ${code}`)));
  }

  private dispatch(): void {
    let busy = [...this.slots].filter((slot) => slot.job !== null).length;
    for (const slot of this.slots) {
      if (!slot.ready || slot.retired || slot.job) continue;
      const job = this.jobFor(busy);
      if (!job) return;
      busy++;
      slot.job = job;
      job.slot = slot;
      for (const { ref, value } of job.shared) {
        if (slot.sharedVersions.get(ref.key) === ref.version) continue;
        slot.worker.postMessage({ kind: 'shared', key: ref.key, version: ref.version, value } satisfies ToWorker);
        slot.sharedVersions.set(ref.key, ref.version);
      }
      slot.worker.postMessage(job.message);
      this.restartBudget(job, slot.cpuMs);
      this.watchCost(job, DEMOTE_AFTER_CPU_MS);
    }
  }

  /** The job an idle worker takes when `busy` workers are running jobs, or none. */
  private jobFor(busy: number): Job | undefined {
    if (this.smallQueue.length > 0 && busy < this.options.size + SPARE_WORKERS) return this.smallQueue.shift();
    if (this.largeQueue.length > 0 && busy < this.options.size) return this.largeQueue.shift();
    return undefined;
  }

  private waiting(): number {
    return this.smallQueue.length + this.largeQueue.length;
  }

  private takeAllWaiting(): Job[] {
    return [...this.smallQueue.splice(0), ...this.largeQueue.splice(0)];
  }

  private receive(slot: Slot, message: FromWorker): void {
    if (slot.retired) return;
    if (message.kind === 'ready') {
      slot.ready = true;
      slot.cpuStat = message.cpuStat;
      slot.cpuMs = message.cpuMs;
      this.startFailures = 0;
      if ([...this.slots].every((other) => other.ready)) this.markStarted();
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== message.job) return;
    if (message.kind === 'dns') {
      this.lookUp(job, message.query, message.name, message.rrtype);
      return;
    }
    if (message.kind === 'loaded') {
      this.stopClock(job);
      this.restartBudget(job, message.cpuMs);
      return;
    }
    this.stopClock(job);
    this.stopWatchingCost(job);
    slot.job = null;
    slot.cpuMs = message.cpuMs;
    if (message.kind === 'done') job.resolve(message.output);
    else job.reject(new WorkFailed(`${job.label}: ${message.message}`));
    if (job.recycle) {
      void this.retire(slot, null);
      this.spawn();
    }
    this.dispatch();
  }

  /** A task's DNS query, answered by the injected resolver; the job's clock stops while any is out. */
  private lookUp(job: Job, query: number, name: string, rrtype: string): void {
    if (job.lookupsInFlight++ === 0) this.stopClock(job);
    const answer = (reply: Partial<ToWorker & { kind: 'dns-answer' }>) => {
      const slot = job.slot;
      if (!slot || slot.job !== job) return;
      slot.worker.postMessage({ kind: 'dns-answer', job: job.id, query, ...reply });
      if (--job.lookupsInFlight === 0) this.startClock(job);
    };
    this.options.resolver(name, rrtype).then(
      (records) => answer({ records }),
      (error: NodeJS.ErrnoException) => answer({ error: { message: String(error?.message ?? error), ...(error?.code ? { code: error.code } : {}) } }),
    );
  }

  /**
   * The whole budget from now on (a job starting, or its module just loaded); `cpuMs`: its
   * thread's CPU time as the thread last reported it, idle since (thread-cpu.ts), or an upper
   * bound of it (runner.ts cpuAtJobEnd): the job is never charged another job's CPU.
   */
  private restartBudget(job: Job, cpuMs: number | null): void {
    job.remainingMs = this.options.budgetMs;
    job.activeMs = 0;
    job.cpuAtStart = cpuMs ?? 0;
    if (job.lookupsInFlight === 0) this.startClock(job);
  }

  private cpuOf(job: Job): number | null {
    return job.slot?.cpuStat ? threadCpuMs(job.slot.cpuStat) : null;
  }

  private startClock(job: Job): void {
    job.clockStartedAt = performance.now();
    job.timer = setTimeout(() => this.overBudget(job), Math.max(0, job.remainingMs));
  }

  private stopClock(job: Job): void {
    if (job.timer === null) return;
    clearTimeout(job.timer);
    job.timer = null;
    const ran = performance.now() - job.clockStartedAt;
    job.remainingMs -= ran;
    job.activeMs += ran;
  }

  /**
   * The budget is CPU time where the thread's can be read: a job that waited for a core is given
   * the rest of its budget again, up to WAIT_FACTOR times the budget in time on its worker.
   */
  private overBudget(job: Job): void {
    job.timer = null;
    const slot = job.slot;
    if (!slot || slot.job !== job) return;
    job.activeMs += performance.now() - job.clockStartedAt;
    const cpu = this.cpuOf(job);
    const used = cpu === null ? job.activeMs : cpu - job.cpuAtStart;
    const budget = this.options.budgetMs;
    if (used < budget && job.activeMs < budget * WAIT_FACTOR) {
      job.remainingMs = budget - used;
      this.startClock(job);
      return;
    }
    this.options.logger.warn({ component: 'workers', queueId: job.label, budgetMs: this.options.budgetMs }, `${this.options.purpose ?? 'message analysis'} over its budget; worker replaced`);
    slot.job = null;
    this.stopWatchingCost(job);
    job.reject(new WorkBudgetExceeded(job.label, this.options.budgetMs));
    void this.retire(slot, null);
    this.spawn();
    this.dispatch();
  }

  /**
   * Reads the job's CPU time every DEMOTION_CHECK_MS while it runs; past DEMOTE_AFTER_CPU_MS its
   * thread is niced and its worker replaced once the job ends (see the invariants). Where thread
   * CPU time cannot be read, time on the worker stands in for it.
   */
  private watchCost(job: Job, afterMs: number): void {
    job.demotionCheck = setTimeout(() => {
      job.demotionCheck = null;
      const slot = job.slot;
      if (!slot || slot.job !== job) return;
      const cpu = this.cpuOf(job);
      const used = cpu === null ? job.activeMs + (job.timer === null ? 0 : performance.now() - job.clockStartedAt) : cpu - job.cpuAtStart;
      if (used < DEMOTE_AFTER_CPU_MS) {
        this.watchCost(job, DEMOTION_CHECK_MS);
        return;
      }
      job.recycle = true;
      const thread = slot.cpuStat === null ? null : threadIdOf(slot.cpuStat);
      try {
        if (thread !== null) setPriority(thread, COSTLY_JOB_NICE);
      } catch (error) {
        this.options.logger.warn({ component: 'workers', err: error }, 'could not lower the priority of a costly analysis');
      }
    }, afterMs);
    job.demotionCheck.unref();
  }

  private stopWatchingCost(job: Job): void {
    if (job.demotionCheck === null) return;
    clearTimeout(job.demotionCheck);
    job.demotionCheck = null;
  }

  /** Takes a worker out of the pool and stops it; its job, if any, fails with `error`. */
  private async retire(slot: Slot, error: Error | null): Promise<void> {
    if (slot.retired) return;
    slot.retired = true;
    this.slots.delete(slot);
    const job = slot.job;
    slot.job = null;
    if (job) {
      if (job.timer !== null) clearTimeout(job.timer);
      this.stopWatchingCost(job);
      job.reject(error ?? new WorkFailed(`${job.label}: worker stopped`));
    }
    await slot.worker.terminate();
  }

  private died(slot: Slot, error: Error): void {
    if (slot.retired) return;
    const wasReady = slot.ready;
    this.options.logger.error({ component: 'workers', err: error }, `${this.options.purpose ?? 'message analysis'} worker died`);
    void this.retire(slot, new WorkFailed(`analysis worker died: ${error.message}`));
    if (!wasReady && ++this.startFailures >= MAX_START_FAILURES) {
      // A worker that cannot start never will: fail what waits instead of restarting forever.
      const failure = new WorkFailed(`analysis workers cannot start: ${error.message}`);
      for (const job of this.takeAllWaiting()) job.reject(failure);
      this.markStarted(failure);
      return;
    }
    this.spawn();
    this.dispatch();
  }
}

/** The thread id in a thread's stat path (/proc/PID/task/TID/stat, thread-cpu.ts). */
function threadIdOf(statPath: string): number | null {
  const tid = /\/task\/(\d+)\/stat$/.exec(statPath)?.[1];
  return tid === undefined ? null : Number(tid);
}
