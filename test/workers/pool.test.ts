import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defineTask, WorkerPool } from '../../src/workers/index.js';
import type { ThreadState } from './tasks.js';

// The pool's priorities (src/workers/pool.ts invariants): an ordinary job runs at the event
// loop's priority; a costly one is niced while it runs and its worker is replaced afterwards.

const TASKS = new URL('./tasks.ts', import.meta.url);
const THREAD_STATE = defineTask<void, ThreadState>(TASKS, 'threadState');
const BURN_CPU = defineTask<number, ThreadState>(TASKS, 'burnCpu');
const NORMAL_NICE = 0;

let pool: WorkerPool;
beforeAll(async () => {
  pool = new WorkerPool({
    size: 1,
    queueLimit: 10,
    budgetMs: 20_000,
    resolver: () => Promise.reject(new Error('no DNS in this test')),
    logger: pino({ level: 'silent' }),
    preload: [THREAD_STATE as never],
  });
  await pool.ready();
}, 60_000);
afterAll(() => pool.close());

test('runs ordinary jobs at the normal priority, on the same worker', async () => {
  const first = await pool.run(THREAD_STATE, undefined, 'q1', 4096);
  const cheap = await pool.run(BURN_CPU, 20, 'q2', 4096);
  expect(first.nice).toBe(NORMAL_NICE);
  expect(cheap.nice).toBe(NORMAL_NICE);
});

test('nices a job once it has used over half a second of CPU, and replaces its worker', { timeout: 60_000 }, async () => {
  const costly = await pool.run(BURN_CPU, 900, 'q3', 4096);
  expect(costly.nice).toBe(10);
  // The niced thread is gone; the next jobs run on threads at the normal priority.
  const states = await Promise.all([pool.run(THREAD_STATE, undefined, 'q4', 4096), pool.run(THREAD_STATE, undefined, 'q5', 4096)]);
  for (const state of states) {
    expect(state.thread).not.toBe(costly.thread);
    expect(state.nice).toBe(NORMAL_NICE);
  }
});
