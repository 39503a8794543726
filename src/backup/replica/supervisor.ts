import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { replicaLag, replicaRestarts } from '../../metrics.js';
import { litestreamBinary, writeLitestreamConfig } from './litestream.js';

/**
 * Litestream replicating the database while `serve` runs (`[replica]`, docs/backup.en.md
 * "Continuous replica"). Invariants:
 * - One Litestream process; when it exits unasked it is started again after a pause that doubles
 *   up to MAX_PAUSE_MS (a broken S3 endpoint must not become a fork loop).
 * - The lag is read from Litestream's own metrics once a second: the age of the oldest local WAL
 *   position (litestream_shadow_wal_index/size) that the replica's position
 *   (litestream_replica_wal_index/offset) has not reached yet; 0 when it has reached them all.
 * - stop() is called after the store has closed, so Litestream ships the last commits (it syncs
 *   on SIGTERM) before it exits.
 */

export interface ReplicaHealth {
  /** 'ok': caught up or behind less than `max_lag`; 'degraded': behind longer, or Litestream not answering. */
  readonly status: 'ok' | 'degraded';
  /** Seconds behind; null while Litestream is not answering. */
  readonly lagSeconds: number | null;
}

/**
 * Litestream runs under this small sh guard so that it never outlives serve: a `kill -9` of serve
 * (or a crash) leaves no orphan replicating a database nobody writes, and no second Litestream on
 * the same file after the restart. The guard stops Litestream (SIGTERM, so it syncs) once the
 * parent pid is gone, forwards SIGTERM from the supervisor, and exits with Litestream's status.
 * Arguments: $1 parent pid, then the command.
 */
const GUARD = `parent=$1; shift
"$@" <&- &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT
( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $child 2>/dev/null ) &
watcher=$!
status=0
while kill -0 $child 2>/dev/null; do wait $child; status=$?; done
kill $watcher 2>/dev/null
exit $status`;

const POLL_MS = 1000;
const FIRST_PAUSE_MS = 1000;
const MAX_PAUSE_MS = 30_000;

export class ReplicaSupervisor {
  private child: ChildProcess | null = null;
  private stopping = false;
  private pauseMs = FIRST_PAUSE_MS;
  private restartTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** Local WAL positions seen and not yet shipped, oldest first, with when they were first seen. */
  private unshipped: Array<{ at: number; position: readonly [number, number] }> = [];
  private lastAnswer = Date.now();
  private lag: number | null = null;
  private removeConfig: () => void = () => {};
  private metricsUrl = '';
  private configFile = '';

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const port = await freeLoopbackPort();
    this.metricsUrl = `http://127.0.0.1:${port}/metrics`;
    const written = writeLitestreamConfig(this.config, `127.0.0.1:${port}`);
    this.configFile = written.file;
    this.removeConfig = written.remove;
    this.launch();
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    this.pollTimer.unref();
  }

  health(): ReplicaHealth {
    const maxLagSeconds = this.config.replica.max_lag / 1000;
    const silentFor = (Date.now() - this.lastAnswer) / 1000;
    const degraded = this.lag === null ? silentFor > maxLagSeconds : this.lag > maxLagSeconds;
    return { status: degraded ? 'degraded' : 'ok', lagSeconds: this.lag };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(forced);
    }
    this.removeConfig();
  }

  private launch(): void {
    const child = spawn('/bin/sh', ['-c', GUARD, 'litestream-guard', String(process.pid), litestreamBinary(), 'replicate', '-config', this.configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const log = this.logger.child({ module: 'litestream', pid: child.pid });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => log.info({ line }, 'litestream'));
    }
    child.once('error', (error) => log.error({ err: error }, 'litestream could not start'));
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      replicaRestarts.inc();
      log.error({ code, signal, restartInMs: this.pauseMs }, 'litestream exited; restarting');
      this.restartTimer = setTimeout(() => this.launch(), this.pauseMs);
      this.restartTimer.unref();
      this.pauseMs = Math.min(this.pauseMs * 2, MAX_PAUSE_MS);
    });
  }

  private async poll(): Promise<void> {
    try {
      const text = await (await fetch(this.metricsUrl, { signal: AbortSignal.timeout(POLL_MS) })).text();
      const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      const local = [value('litestream_shadow_wal_index'), value('litestream_shadow_wal_size')] as const;
      const shipped = [value('litestream_replica_wal_index'), value('litestream_replica_wal_offset')] as const;
      const now = Date.now();
      this.lastAnswer = now;
      // Litestream has been answering for a while: a healthy run, so a later exit restarts quickly.
      this.pauseMs = FIRST_PAUSE_MS;
      const reached = (position: readonly [number, number]) => shipped[0] > position[0] || (shipped[0] === position[0] && shipped[1] >= position[1]);
      const newest = this.unshipped.at(-1);
      if (!Number.isNaN(local[0]) && (newest === undefined || newest.position[0] !== local[0] || newest.position[1] !== local[1])) this.unshipped.push({ at: now, position: local });
      while (this.unshipped.length > 0 && reached(this.unshipped[0]!.position)) this.unshipped.shift();
      this.lag = this.unshipped.length === 0 ? 0 : (now - this.unshipped[0]!.at) / 1000;
      replicaLag.set(this.lag);
    } catch {
      this.lag = null;
      replicaLag.set(-1);
    }
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
