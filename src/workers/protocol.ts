/**
 * Messages between the pool (main thread) and a worker thread. Everything crosses by structured
 * clone (Node's worker_threads): a Buffer over a SharedArrayBuffer is shared, not copied.
 */

/** Names the function a job runs: an export of a module the worker imports by URL. */
export interface TaskRef<Input, Output> {
  readonly module: string;
  readonly name: string;
  /** Type-only: what the task takes and gives. */
  readonly types?: (input: Input) => Output;
}

/**
 * Names a constant input many jobs share (a rule set's text) in a job's input, without its value:
 * the task reads the value with `env.shared(ref)` (runner.ts).
 */
export interface SharedRef<Value> {
  readonly key: string;
  readonly version: number;
  /** Type-only: the value it names. */
  readonly types?: Value;
}

/**
 * A shared input and its value, handed to WorkerPool.run beside the job's input: the pool posts
 * the value to a worker once per version (and again to a worker started since), instead of
 * cloning it into every job. A new value needs a new version.
 */
export interface SharedInput<Value> {
  readonly ref: SharedRef<Value>;
  readonly value: Value;
}

/**
 * A DNS answer the main thread already holds (a lookup it started early), sent with the job: the
 * task's `env.resolver` gives it for that question without asking the main thread again.
 */
export interface KnownAnswer {
  readonly name: string;
  readonly rrtype: string;
  readonly records?: unknown[];
  readonly error?: DnsFailure;
}

export type ToWorker =
  | {
      readonly kind: 'run';
      readonly job: number;
      readonly module: string;
      readonly name: string;
      readonly input: unknown;
      readonly answers?: readonly KnownAnswer[];
    }
  | { readonly kind: 'shared'; readonly key: string; readonly version: number; readonly value: unknown }
  | { readonly kind: 'dns-answer'; readonly job: number; readonly query: number; readonly records?: unknown[]; readonly error?: DnsFailure };

/**
 * `cpuMs` is the worker thread's own CPU time as it sends the message (thread-cpu.ts; null where
 * it cannot be read), at a job's end possibly an upper bound of it (runner.ts cpuAtJobEnd): the
 * next job's budget counts from it, so the main thread reads /proc only for a job that outlives
 * its budget's timer.
 */
export type FromWorker =
  /** `cpuStat`: the thread's /proc stat file, for its CPU time (thread-cpu.ts), or null. */
  | { readonly kind: 'ready'; readonly cpuStat: string | null; readonly cpuMs: number | null }
  /** The job's module was imported just now (first use on this worker): its budget starts from here. */
  | { readonly kind: 'loaded'; readonly job: number; readonly cpuMs: number | null }
  | { readonly kind: 'done'; readonly job: number; readonly output: unknown; readonly cpuMs: number | null }
  | { readonly kind: 'failed'; readonly job: number; readonly message: string; readonly cpuMs: number | null }
  | { readonly kind: 'dns'; readonly job: number; readonly query: number; readonly name: string; readonly rrtype: string };

/** A failed lookup as resolvers report it: mailauth reads `code` (ENOTFOUND, ENODATA, …) to tell "none" from "temperror". */
export interface DnsFailure {
  readonly message: string;
  readonly code?: string;
}
