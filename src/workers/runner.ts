/**
 * Inside a worker thread: runs the jobs the pool sends, one at a time, each an exported function
 * `(input, env) → output` of a module imported by URL (cached after the first job). DNS lookups a
 * task makes through `env.resolver` are asked of the main thread, whose resolver is the one
 * injected into the server (tests pass a table; DESIGN.md "Test infrastructure").
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DnsResolver } from '../context.js';
import type { DnsFailure, FromWorker, KnownAnswer, SharedRef, ToWorker } from './protocol.js';
import { ownThreadStatPath, threadCpuMs } from './thread-cpu.js';

export interface TaskEnv {
  readonly resolver: DnsResolver;
  /** The value of a shared input the job was run with (JobExtras.shared of WorkerPool.run). */
  shared<Value>(ref: SharedRef<Value>): Value;
}

type TaskFunction = (input: unknown, env: TaskEnv) => unknown;

const port = parentPort!;
const statPath = ownThreadStatPath();
const cpuMs = (): number | null => (statPath === null ? null : threadCpuMs(statPath));
/**
 * Time on jobs between two reads of this thread's CPU time (thread-cpu.ts): reading /proc at every
 * job's end was a visible part of a worker's time on small messages.
 */
const CPU_READING_EVERY_MS = 100;
/** The last reading, and the time spent running jobs since. */
let lastReading: number | null = null;
let jobTimeSinceReading = 0;

function readCpu(): number | null {
  lastReading = cpuMs();
  jobTimeSinceReading = 0;
  return lastReading;
}

/**
 * The CPU time a job's end reports, which the next job's budget counts from: read once the jobs
 * since the last reading have run CPU_READING_EVERY_MS, else the last reading plus their time on
 * this thread — at least the CPU they used (CPU ≤ time), so the next job is never charged for
 * theirs, and at most CPU_READING_EVERY_MS of its own goes uncounted.
 */
function cpuAtJobEnd(jobStartedAt: number): number | null {
  jobTimeSinceReading += performance.now() - jobStartedAt;
  if (lastReading === null || jobTimeSinceReading >= CPU_READING_EVERY_MS) return readCpu();
  return lastReading + jobTimeSinceReading;
}
const modules = new Map<string, Promise<Record<string, unknown>>>();
const pendingLookups = new Map<number, { resolve: (records: unknown[]) => void; reject: (error: Error) => void }>();
let nextQuery = 1;
/** Shared inputs by key, the latest version the pool posted (before any job that names it). */
const sharedValues = new Map<string, { version: number; value: unknown }>();

function shared<Value>(ref: SharedRef<Value>): Value {
  const entry = sharedValues.get(ref.key);
  if (entry?.version !== ref.version) throw new Error(`shared input ${ref.key} version ${ref.version} was not sent to this worker`);
  return entry.value as Value;
}

function post(message: FromWorker): void {
  port.postMessage(message);
}

function load(module: string): Promise<Record<string, unknown>> {
  let loaded = modules.get(module);
  if (!loaded) {
    loaded = import(module) as Promise<Record<string, unknown>>;
    modules.set(module, loaded);
  }
  return loaded;
}

/** How a question is looked up among the answers a job brought (names are case-insensitive, RFC 4343). */
const questionKey = (name: string, rrtype: string): string => `${rrtype.toUpperCase()} ${name.toLowerCase().replace(/\.$/, '')}`;

function resolverFor(job: number, answers: readonly KnownAnswer[] = []): DnsResolver {
  const known = new Map(answers.map((answer) => [questionKey(answer.name, answer.rrtype), answer]));
  return (name, rrtype) =>
    new Promise((resolve, reject) => {
      const answer = known.get(questionKey(name, rrtype));
      if (answer) {
        if (answer.error) reject(failureOf(answer.error));
        else resolve(answer.records ?? []);
        return;
      }
      const query = nextQuery++;
      pendingLookups.set(query, { resolve, reject });
      post({ kind: 'dns', job, query, name, rrtype });
    });
}

/** A failed lookup as the resolver reported it, with its `code` (mailauth tells "none" from "temperror" by it). */
function failureOf(failure: DnsFailure): Error {
  return Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
}

async function run(job: number, module: string, name: string, input: unknown, answers: readonly KnownAnswer[] | undefined): Promise<void> {
  let startedAt = performance.now();
  try {
    const first = !modules.has(module);
    const exports = await load(module);
    // A module's import time is the worker's start-up, not the first message's budget.
    if (first) {
      post({ kind: 'loaded', job, cpuMs: readCpu() });
      startedAt = performance.now();
    }
    const task = exports[name];
    if (typeof task !== 'function') throw new Error(`no task ${name} in ${module}`);
    const output = await (task as TaskFunction)(input, { resolver: resolverFor(job, answers), shared });
    post({ kind: 'done', job, output, cpuMs: cpuAtJobEnd(startedAt) });
  } catch (error) {
    post({ kind: 'failed', job, message: error instanceof Error ? error.message : String(error), cpuMs: cpuAtJobEnd(startedAt) });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.kind === 'run') {
    void run(message.job, message.module, message.name, message.input, message.answers);
    return;
  }
  if (message.kind === 'shared') {
    sharedValues.set(message.key, { version: message.version, value: message.value });
    return;
  }
  const lookup = pendingLookups.get(message.query);
  if (!lookup) return;
  pendingLookups.delete(message.query);
  if (message.error) lookup.reject(failureOf(message.error));
  else lookup.resolve(message.records ?? []);
});

// The modules most jobs need, imported before the pool counts this worker in.
await Promise.all((workerData.preload as string[]).map(load));
post({ kind: 'ready', cpuStat: statPath, cpuMs: readCpu() });
