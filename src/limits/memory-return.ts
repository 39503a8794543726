import { readFileSync } from 'node:fs';
import { libcFunction } from '../native/index.js';

/**
 * Giving freed memory back to the system after a spike of message bytes (DESIGN.md "Config"
 * [limits] memory_ceiling: resident memory returns near its idle level after a spike).
 *
 * Why it is needed: the big buffers of a spike (APPEND literals, MX bodies, worker copies) are
 * malloc'd by Node outside the V8 heap. glibc keeps what is freed in its arenas (one per thread
 * that allocated, workers included) and returns only the top of each heap to the system, so after
 * 20 concurrent 20 MB APPENDs the process stayed hundreds of MiB above idle with nothing in use.
 * malloc_trim(3) with pad 0 releases the free pages of every arena (glibc ≥ 2.8 madvises the
 * free chunks inside a heap, not only its top). It is called through src/native, as src/tcp calls
 * setsockopt; elsewhere than glibc it is a no-op.
 *
 * When: the frees happen when V8 collects the buffers, some time after the bytes are released
 * from the budget, so a trim is scheduled a few times after the budget drains (TRIM_DELAYS_MS);
 * only after a spike (SPIKE_BYTES reserved since the last trim), never while bytes are in use.
 */
type MallocTrim = (pad: number) => number;

/** Bytes reserved since the last trim that make the next drain a spike worth trimming after. */
const SPIKE_BYTES = 32 * 1024 * 1024;
/** After the budget drains: soon, once the young buffers are collected, and once old space is. */
const TRIM_DELAYS_MS = [1_000, 10_000, 30_000];

let mallocTrim: MallocTrim | null | undefined;

/** Null when not glibc (musl has no malloc_trim) or no FFI here: memory is returned as the allocator does. */
function loadMallocTrim(): MallocTrim | null {
  return libcFunction<MallocTrim>('int malloc_trim(size_t pad)');
}

/** Returns the allocator's free pages to the system now; false when this platform cannot. */
export function trimFreedMemory(): boolean {
  if (mallocTrim === undefined) mallocTrim = loadMallocTrim();
  if (mallocTrim === null) return false;
  mallocTrim(0);
  return true;
}

/** mallopt(3) M_ARENA_MAX (glibc malloc.h). */
const M_ARENA_MAX = -8;
/**
 * Arenas the process's threads share: the main thread's and one more. glibc's default is 8 per
 * core, and each analysis worker (and each replacement of a niced or stopped one) is handed one of them in
 * turn, so what a 25 MB job freed stays in that arena, unused by the other threads; measured after
 * ten 20 MB APPENDs a minute later (test/hostile/append-memory.test.ts): five arenas of ~26 MB each
 * still resident, which malloc_trim did not give back, +35 % over idle; with two arenas from the
 * start, +7 %. glibc reads MALLOC_ARENA_MAX only as the process starts, and by the time JavaScript
 * runs Node's own threads have made their arenas already: so `npm start`, the systemd unit and the
 * container set MALLOC_ARENA_MAX=2 in the environment, and mallopt here caps only the arenas made
 * from now on when it was not set (another way of starting the server).
 */
const MALLOC_ARENAS = 2;

/**
 * Caps glibc's malloc arenas (mallopt M_ARENA_MAX) for the threads started from now on; call
 * before the worker threads start. MALLOC_ARENA_MAX in the environment, which glibc already read,
 * is left to rule. False where there is no glibc mallopt.
 */
export function limitMallocArenas(): boolean {
  if (process.env.MALLOC_ARENA_MAX !== undefined) return false;
  const mallopt = libcFunction<(param: number, value: number) => number>('int mallopt(int param, int value)');
  return mallopt !== null && mallopt(M_ARENA_MAX, MALLOC_ARENAS) === 1;
}

export interface MemoryUse {
  readonly rss: number;
  /** proc(5) RssAnon: resident memory that is the allocators' (malloc arenas, V8, thread stacks); RssFile: mapped files. */
  readonly rssAnon: number;
  readonly rssFile: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/**
 * Watches reservations: after a spike, once nothing is reserved, trims on the TRIM_DELAYS_MS
 * schedule from the latest drain. A reservation meanwhile does not stop it: a trim releases free pages only, whatever
 * is in use stays. `onTrim` hears the memory parts before and after each trim (the server logs
 * them: V8 heap, external, array buffers, RSS).
 */
export class MemoryReturn {
  private reservedSinceTrim = 0;
  private lastTrim = Date.now();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly onTrim: (before: MemoryUse, after: MemoryUse) => void = () => undefined) {}

  reserved(bytes: number): void {
    this.reservedSinceTrim += bytes;
  }

  /**
   * Nothing is reserved now. The series follows the latest drain, whose buffers are the last to
   * be freed; under a steady flow of drains it still trims at least every TRIM_DELAYS_MS's last.
   */
  drained(): void {
    const pending = this.timers.length > 0;
    if (this.reservedSinceTrim < SPIKE_BYTES && !pending) return;
    this.reservedSinceTrim = 0;
    if (pending && Date.now() - this.lastTrim >= TRIM_DELAYS_MS.at(-1)!) this.trim();
    this.cancel();
    this.timers = TRIM_DELAYS_MS.map((delay, i) =>
      setTimeout(() => {
        this.trim();
        if (i === TRIM_DELAYS_MS.length - 1) this.timers = [];
      }, delay).unref(),
    );
  }

  private cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }

  private trim(): void {
    this.lastTrim = Date.now();
    const before = memoryUse();
    if (trimFreedMemory()) this.onTrim(before, memoryUse());
  }
}

/** process.memoryUsage() with proc(5) /proc/self/status's split of RSS (0 where there is no /proc). */
function memoryUse(): MemoryUse {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // Not Linux: the split is unknown.
  }
  const kilobytes = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { ...process.memoryUsage(), rssAnon: kilobytes('RssAnon'), rssFile: kilobytes('RssFile') };
}
