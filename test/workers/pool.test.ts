import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defineTask, WorkBudgetExceeded, WorkerPool } from '../../src/workers/index.js';
import type { SharedInput, SharedRef, TaskRef } from '../../src/workers/index.js';
import type { ThreadState } from './tasks.js';

// The pool's priorities (src/workers/pool.ts invariants): an ordinary job runs at the event
// loop's priority; a costly one is niced while it runs and its worker is replaced afterwards.

const TASKS = new URL('./tasks.ts', import.meta.url);
const THREAD_STATE = defineTask<void, ThreadState>(TASKS, 'threadState');
const BURN_CPU = defineTask<number, ThreadState>(TASKS, 'burnCpu');
const SHARED_VALUE = defineTask<SharedRef<string>, string>(TASKS, 'sharedValue');
const TXT_RECORDS = defineTask<string, unknown[]>(TASKS, 'txtRecords');
const NORMAL_NICE = 0;

/** One worker, `budgetMs` of CPU per job, no DNS. */
function onePool(budgetMs: number, preload: TaskRef<never, unknown>): WorkerPool {
  return new WorkerPool({
    size: 1,
    queueLimit: 10,
    budgetMs,
    resolver: () => Promise.reject(new Error('no DNS in this test')),
    logger: pino({ level: 'silent' }),
    preload: [preload],
  });
}

let pool: WorkerPool;
beforeAll(async () => {
  pool = onePool(20_000, THREAD_STATE as never);
  await pool.ready();
});
afterAll(() => pool.close());

test('runs ordinary jobs at the normal priority, on the same worker', async () => {
  const first = await pool.run(THREAD_STATE, undefined, 'q1', 4096);
  const cheap = await pool.run(BURN_CPU, 20, 'q2', 4096);
  expect(first.nice).toBe(NORMAL_NICE);
  expect(cheap.nice).toBe(NORMAL_NICE);
});

test('nices a job once it has used over half a second of CPU, and replaces its worker', async () => {
  const costly = await pool.run(BURN_CPU, 900, 'q3', 4096);
  expect(costly.nice).toBe(10);
  // The niced thread is gone; the next jobs run on threads at the normal priority.
  const states = await Promise.all([pool.run(THREAD_STATE, undefined, 'q4', 4096), pool.run(THREAD_STATE, undefined, 'q5', 4096)]);
  for (const state of states) {
    expect(state.thread).not.toBe(costly.thread);
    expect(state.nice).toBe(NORMAL_NICE);
  }
});

test('keeps the worker after a job on a big message: a new thread would cost its start-up', async () => {
  const big = await pool.run(THREAD_STATE, undefined, 'q-big', 20 * 1024 * 1024);
  const next = await pool.run(THREAD_STATE, undefined, 'q-next', 4096);
  expect(next.thread).toBe(big.thread);
});

test('gives each job the version of a shared input it names, the value posted only when the worker lacks it', async () => {
  const shared = (version: number, value: string): SharedInput<string> => ({ ref: { key: 'test.text', version }, value });
  const first = shared(1, 'first text');
  const second = shared(2, 'second text');
  expect(await pool.run(SHARED_VALUE, first.ref, 'q6', 4096, { shared: [first] })).toBe('first text');
  expect(await pool.run(SHARED_VALUE, second.ref, 'q7', 4096, { shared: [second] })).toBe('second text');
  // A job begun under the first version (a message checked under the rules before a reload).
  expect(await pool.run(SHARED_VALUE, first.ref, 'q8', 4096, { shared: [first] })).toBe('first text');
  // Named but not handed to the pool: the worker never had it, and says so.
  await expect(pool.run(SHARED_VALUE, { key: 'test.other', version: 1 }, 'q9', 4096)).rejects.toThrow(/test\.other version 1 was not sent/);
});

test("answers a task's DNS question from the answers its job brought, and asks the main thread for the others", async () => {
  const answers = [
    { name: 'example.org', rrtype: 'TXT', records: [['v=spf1 -all']] },
    { name: '_dmarc.example.org', rrtype: 'TXT', error: { message: 'queryTxt ENOTFOUND _dmarc.example.org', code: 'ENOTFOUND' } },
  ];
  // Names are case-insensitive, a trailing dot or not (RFC 4343).
  expect(await pool.run(TXT_RECORDS, 'Example.ORG.', 'q10', 4096, { answers })).toEqual([['v=spf1 -all']]);
  await expect(pool.run(TXT_RECORDS, '_dmarc.example.org', 'q11', 4096, { answers })).rejects.toThrow(/ENOTFOUND/);
  // Not among them: the pool's resolver (which has no DNS in this test) is asked.
  await expect(pool.run(TXT_RECORDS, 'other.example', 'q12', 4096, { answers })).rejects.toThrow(/no DNS in this test/);
});

test("charges each job only its own CPU: after many small jobs one within its budget passes, one beyond it is stopped", async () => {
  const budgeted = onePool(1_000, BURN_CPU as never);
  try {
    await budgeted.ready();
    // 800 ms of CPU in small jobs, more than the worker's time between two reads of its CPU time.
    for (let i = 0; i < 40; i++) await budgeted.run(BURN_CPU, 20, `small${i}`, 4096);
    expect((await budgeted.run(BURN_CPU, 400, 'within', 4096)).nice).toBe(NORMAL_NICE);
    await expect(budgeted.run(BURN_CPU, 5_000, 'beyond', 4096)).rejects.toBeInstanceOf(WorkBudgetExceeded);
  } finally {
    await budgeted.close();
  }
});
