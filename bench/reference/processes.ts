/**
 * Memory of a process and all its descendants, from /proc.
 *
 * Dovecot forks: the master, its helpers (anvil, log, config, auth, stats), one imap-login per
 * connection until login (service_count = 1, its default "high-security mode"), then one imap
 * process per logged-in connection (service imap: client_limit = 1). Its memory "per connection"
 * is therefore the growth of the whole tree divided by the connections added. VmRSS counts the
 * pages each process shares with its siblings (libraries, the binary) once per process, so the
 * sum of RSS overstates a forking server; PSS (smaps_rollup) divides each shared page among the
 * processes that map it and sums to what the tree really costs. Both are returned; compare PSS.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface TreeMemory {
  /** Sum of VmRSS over the tree, KiB. */
  readonly rssKiB: number;
  /** Sum of Pss over the tree, KiB (0 where smaps_rollup is unreadable). */
  readonly pssKiB: number;
  readonly processes: number;
}

/** VmRSS and PSS summed over `root` and every process descended from it (the tree is read once, then each process). */
export function rssOfProcessTree(root: number): TreeMemory {
  const children = childrenByParent();
  let rssKiB = 0;
  let pssKiB = 0;
  let processes = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const status = readProc(pid, 'status');
    if (status === null) continue;
    processes++;
    rssKiB += kib(status, 'VmRSS');
    pssKiB += kib(readProc(pid, 'smaps_rollup') ?? '', 'Pss');
    pending.push(...(children.get(pid) ?? []));
  }
  return { rssKiB, pssKiB, processes };
}

/**
 * CPU seconds (user + system) used by `root` and every process descended from it, including
 * the children they have already reaped (proc(5) cutime/cstime): a forking server's short-lived
 * workers (Postfix's smtpd, cleanup, virtual) count once they have exited too.
 */
export function cpuOfProcessTree(root: number): number {
  const children = childrenByParent();
  let ticks = 0;
  const pending = [root];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const stat = readProc(pid, 'stat');
    if (stat === null) continue;
    // proc(5): after "(comm)": state(3) ppid … utime(14) stime(15) cutime(16) cstime(17).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    pending.push(...(children.get(pid) ?? []));
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent !== null) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  return children;
}

function parentOf(pid: number): number | null {
  const stat = readProc(pid, 'stat');
  if (stat === null) return null;
  // proc(5): "pid (comm) state ppid ..."; comm may contain spaces and parentheses, so parse after the last ')'.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null; // The process ended while we looked.
  }
}

function kib(text: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
}

/**
 * Waits up to `timeoutMs` for every process of group `pgid` to exit (a daemon's master leads its
 * group and takes its children down when told to stop), then SIGKILLs whatever is left.
 */
export async function reapProcessGroup(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (processesInGroup(pgid).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const pid of processesInGroup(pgid)) signal(pid, 'SIGKILL');
}

/** kill(2) that ignores a process which has already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function processesInGroup(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(Number(entry), 'stat');
    // proc(5): after "(comm)": state ppid pgrp ...
    if (stat !== null && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) members.push(Number(entry));
  }
  return members;
}
