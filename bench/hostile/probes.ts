import { MB, residentBytes } from '../../test/hostile/support.js';
import { imapLogin, type Wire } from './wire.js';

/** How long a bystander waits for one answer before it counts it as lost (and reconnects). */
const PROBE_TIMEOUT_MS = 120_000;
/** Pause between two probes of one bystander. */
const PROBE_INTERVAL_MS = 100;

/** VmRSS of one process in MiB (proc(5) /proc/PID/status); null once it has exited. */
export function rssMiB(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return residentBytes(pid) / MB;
  } catch {
    return null;
  }
}

export interface Latencies {
  readonly count: number;
  readonly p50: number;
  readonly max: number;
  /** Probes that got no answer (timeout, connection lost). */
  readonly failed: number;
}

/** Round trips of one repeated request; the one still waiting at stop() counts with its time so far. */
class LatencyLoop {
  private readonly samples: number[] = [];
  private failed = 0;
  private running = true;
  private pendingSince: number | null = null;
  private readonly done: Promise<void>;

  constructor(probe: () => Promise<void>) {
    this.done = (async () => {
      while (this.running) {
        this.pendingSince = performance.now();
        try {
          await probe();
          this.samples.push(performance.now() - this.pendingSince);
        } catch {
          if (this.running) this.failed++;
        }
        this.pendingSince = null;
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    })();
  }

  stop(): Latencies {
    this.running = false;
    const samples = [...this.samples];
    if (this.pendingSince !== null) samples.push(performance.now() - this.pendingSince);
    samples.sort((a, b) => a - b);
    this.done.catch(() => undefined);
    return { count: samples.length, p50: samples[Math.floor(samples.length / 2)] ?? 0, max: samples.at(-1) ?? 0, failed: this.failed };
  }
}

export interface ProbeReport {
  readonly noop: Latencies;
  readonly healthz: Latencies;
  readonly peakRssMiB: number | null;
}

/**
 * What a bystander notices during an attack: a logged-in IMAP client sending NOOP, a monitor
 * fetching `GET /healthz`, each in a loop; and the server's resident memory, sampled 4 times a second.
 */
export class Probes {
  private readonly noop: LatencyLoop;
  private readonly healthz: LatencyLoop;
  private peak: number | null;
  private readonly sampler: NodeJS.Timeout;
  private wire: Wire | null = null;

  constructor(
    target: { imapPort: number; httpPort: number; user: string; password: string; pid: () => number | null },
  ) {
    this.peak = rssMiB(target.pid());
    this.sampler = setInterval(() => {
      const now = rssMiB(target.pid());
      if (now !== null && (this.peak === null || now > this.peak)) this.peak = now;
    }, 250);
    let tag = 0;
    this.noop = new LatencyLoop(async () => {
      if (!this.wire || this.wire.closed) {
        const { wire, reply } = await imapLogin(target.imapPort, target.user, target.password, undefined, PROBE_TIMEOUT_MS);
        if (!wire) throw new Error(`bystander login: ${reply}`);
        this.wire = wire;
      }
      const wire = this.wire;
      const next = `n${++tag}`;
      await wire.write(`${next} NOOP\r\n`);
      await wire.expect(new RegExp(`^${next} `), PROBE_TIMEOUT_MS).catch((err: unknown) => {
        wire.destroy();
        throw err;
      });
    });
    this.healthz = new LatencyLoop(async () => {
      const response = await fetch(`http://127.0.0.1:${target.httpPort}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`healthz ${response.status}`);
    });
  }

  stop(): ProbeReport {
    clearInterval(this.sampler);
    const report = { noop: this.noop.stop(), healthz: this.healthz.stop(), peakRssMiB: this.peak };
    this.wire?.destroy();
    return report;
  }
}

/**
 * Resident memory once the attack is over: sampled every second until three samples in a row lie
 * within 2 % of each other (at least 5 s after the attack), or `maxMs` has passed.
 */
export async function settledRss(pid: () => number | null, maxMs: number): Promise<{ rssMiB: number | null; afterMs: number }> {
  const started = Date.now();
  const recent: number[] = [];
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const now = rssMiB(pid());
    const afterMs = Date.now() - started;
    if (now === null) return { rssMiB: null, afterMs };
    recent.push(now);
    if (recent.length > 3) recent.shift();
    const steady = recent.length === 3 && Math.max(...recent) <= Math.min(...recent) * 1.02;
    if ((steady && afterMs >= 5_000) || afterMs >= maxMs) return { rssMiB: now, afterMs };
  }
}
