import { readFileSync, readlinkSync } from 'node:fs';
import type { SharedRef, TaskEnv } from '../../src/workers/index.js';

/** Tasks for pool.test.ts, run on the pool's worker threads. */

export interface ThreadState {
  readonly thread: string;
  /** The thread's nice value. */
  readonly nice: number;
}

/** proc(5) /proc/PID/task/TID/stat, fields 14 onwards (after the command name, which may hold spaces). */
function ownStat(): { thread: string; fields: string[] } {
  const thread = readlinkSync('/proc/thread-self');
  const stat = readFileSync(`/proc/${thread}/stat`, 'latin1');
  return { thread, fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

export function threadState(): ThreadState {
  const { thread, fields } = ownStat();
  // Field 19 (nice), counted from field 3 (state) at index 0.
  return { thread, nice: Number(fields[16]) };
}

/** CPU time of this thread in ms (utime + stime, fields 14 and 15, in 10 ms ticks). */
function ownCpuMs(): number {
  const { fields } = ownStat();
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Spins until this thread has used `cpuMs` of CPU (a costly message's analysis), then reports its state. */
export function burnCpu(cpuMs: number): ThreadState {
  const start = ownCpuMs();
  let spins = 0;
  while (ownCpuMs() - start < cpuMs) for (let i = 0; i < 1_000_000; i++) spins += i % 7;
  return spins < 0 ? { thread: '', nice: -1 } : threadState();
}

/** The value of the shared input the job names (JobExtras.shared of WorkerPool.run). */
export function sharedValue(ref: SharedRef<string>, env: TaskEnv): string {
  return env.shared(ref);
}

/** The TXT records of `name`, through the job's resolver. */
export function txtRecords(name: string, env: TaskEnv): Promise<unknown[]> {
  return env.resolver(name, 'TXT');
}
