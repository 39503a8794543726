/**
 * src/workers: the thread pool for costly work on message bytes (DESIGN.md "Config" [limits]:
 * `message_cpu_budget`, `analysis_workers`, `analysis_queue`).
 *
 * A module that has such work declares a task — an exported `(input, env) => output` function in
 * a file that imports nothing the main thread owns (no database, no sockets) — with defineTask,
 * and runs it with `ctx.workers.run(task, input, queueId)`. Inputs and outputs cross by structured
 * clone: a Buffer arrives as a Uint8Array (asBuffer gives the Buffer back, without a copy), and a
 * Buffer over a SharedArrayBuffer is not copied at all. A constant input many jobs share (a rule
 * set) crosses once per worker and version as a SharedInput, and the task reads it with
 * `env.shared(ref)`. DNS goes through `env.resolver`, which asks
 * the main thread's injected resolver — unless the job brought the answer (JobExtras.answers).
 */
import { cpus } from 'node:os';
import type { TaskRef } from './protocol.js';

export { WorkBudgetExceeded, WorkFailed, WorkerPool, WorkQueueFull, type JobExtras, type WorkerPoolOptions } from './pool.js';
export type { KnownAnswer, SharedInput, SharedRef, TaskRef } from './protocol.js';
export type { TaskEnv } from './runner.js';

/** The task `name` exported by the module at `moduleUrl` (pass `new URL('./file.ts', import.meta.url)`). */
export function defineTask<Input, Output>(moduleUrl: URL, name: string): TaskRef<Input, Output> {
  return { module: moduleUrl.href, name };
}

/** Bytes that crossed a thread boundary (a Uint8Array) as a Buffer over the same memory. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * `parts` joined in one buffer over shared memory: handed to a task, it is read in place by the
 * worker instead of being copied into it.
 */
export function concatShared(parts: readonly Uint8Array[]): Buffer {
  const size = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = Buffer.from(new SharedArrayBuffer(size));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/** `[limits] analysis_workers`: 0 means one per core. */
export function poolSize(configured: number): number {
  return configured > 0 ? configured : Math.max(1, cpus().length);
}
