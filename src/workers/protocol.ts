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

export type ToWorker =
  | { readonly kind: 'run'; readonly job: number; readonly module: string; readonly name: string; readonly input: unknown }
  | { readonly kind: 'dns-answer'; readonly job: number; readonly query: number; readonly records?: unknown[]; readonly error?: DnsFailure };

export type FromWorker =
  /** `cpuStat`: the thread's /proc stat file, for its CPU time (thread-cpu.ts), or null. */
  | { readonly kind: 'ready'; readonly cpuStat: string | null }
  /** The job's module was imported just now (first use on this worker): its budget starts from here. */
  | { readonly kind: 'loaded'; readonly job: number }
  | { readonly kind: 'done'; readonly job: number; readonly output: unknown }
  | { readonly kind: 'failed'; readonly job: number; readonly message: string }
  | { readonly kind: 'dns'; readonly job: number; readonly query: number; readonly name: string; readonly rrtype: string };

/** A failed lookup as resolvers report it: mailauth reads `code` (ENOTFOUND, ENODATA, …) to tell "none" from "temperror". */
export interface DnsFailure {
  readonly message: string;
  readonly code?: string;
}
