import { readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time of one thread, from Linux's /proc (proc(5): /proc/PID/task/TID/stat fields 14 utime and
 * 15 stime, in clock ticks of USER_HZ, which the kernel exposes as 100 per second on every
 * architecture). `[limits] message_cpu_budget` is CPU time: on a loaded machine a worker may wait
 * for a core, and that wait is not the message's doing. Elsewhere than Linux these return null
 * and the pool falls back to time on the worker.
 */
const TICK_MS = 10;

/** Called on the worker thread: where its own stat file is, or null. */
export function ownThreadStatPath(): string | null {
  try {
    return `/proc/${readlinkSync('/proc/thread-self')}/stat`;
  } catch {
    return null;
  }
}

/** Milliseconds of CPU the thread has used, or null when its stat file cannot be read (thread gone). */
export function threadCpuMs(statPath: string): number | null {
  try {
    const stat = readFileSync(statPath, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}
