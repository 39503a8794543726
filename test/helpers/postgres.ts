import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freeLoopbackPort } from './ports.js';

const run = promisify(execFile);

/** A running cluster as a test that only needs databases of its own sees it. */
export interface PostgresDatabases {
  /** `postgres://cantho@127.0.0.1:PORT/postgres`: the maintenance database, for CREATE DATABASE. */
  readonly url: string;
  readonly port: number;
  /** A new database in this cluster (empty, or a copy of `template`); resolves to its URL. */
  createDatabase(name?: string, options?: { readonly template?: string }): Promise<string>;
  /** Drops the database of `url` (its pages then never reach the disk at the shutdown checkpoint). */
  dropDatabase(url: string): Promise<void>;
}

/** A private PostgreSQL cluster of the test's own: its data directory, port and superuser. */
export interface RunningPostgres extends PostgresDatabases {
  readonly dataDir: string;
  /** The postmaster's pid (kill -9 in failover tests). */
  readonly pid: number;
  /** SIGKILL to the postmaster and its backends, as a crashed host; the data directory stays until stop(). */
  kill9(): Promise<void>;
  /** Fast shutdown (SIGINT) and wait; removes the data directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /**
   * Extra `-c name=value` settings (e.g. `wal_level=replica` for a standby). Durability stays
   * PostgreSQL's default (fsync and synchronous_commit on), as the product runs it.
   */
  readonly settings?: Readonly<Record<string, string>>;
}

const SUPERUSER = 'cantho';
let databaseCounter = 0;

/**
 * The directory of Debian's PostgreSQL server programs (`postgresql-15` installs them in
 * /usr/lib/postgresql/15/bin, outside PATH); the newest version wins. Null when none is installed.
 */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, 'bin') : null;
}

/**
 * PostgreSQL refuses to run as root; under root (CI, this machine) the cluster belongs to Debian's
 * `postgres` system user. setpriv execs the program in its own process (runuser would fork and not
 * pass signals on), so the child's pid is the postmaster's and a signal reaches it.
 */
function asClusterOwner(program: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [program, [...args]];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', program, ...args]];
}

/**
 * Starts a private PostgreSQL (initdb in a temp directory, the postmaster in the foreground on a
 * free loopback port, trust authentication for loopback only) and waits until it accepts
 * connections. Unix sockets go in the temp directory, so nothing touches the packaged cluster.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
  const bin = requireBinDir();
  const dir = ownedTempDir();
  const dataDir = path.join(dir, 'data');
  const [initProgram, initArgs] = asClusterOwner(path.join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  await run(initProgram, initArgs);
  return launch(bin, dir, dataDir, options.settings ?? {});
}

/** A hot standby of a running cluster: its own RunningPostgres, plus promotion to primary. */
export interface RunningStandby extends RunningPostgres {
  /** `pg_ctl promote -w`: ends recovery and returns once the standby accepts writes. */
  promote(): Promise<void>;
}

export interface StandbyOptions {
  /** The standby's `application_name` in primary_conninfo, as synchronous_standby_names names it. */
  readonly name?: string;
  /**
   * Makes the primary wait for this standby at every COMMIT (PostgreSQL §27.2.8, synchronous
   * replication: `synchronous_standby_names` on the primary). Off: asynchronous streaming.
   */
  readonly synchronous?: boolean;
}

/**
 * A streaming-replication standby of `primary` (PostgreSQL §27.2): `pg_basebackup -R -X stream`
 * copies the primary's data directory and writes standby.signal, then the copy runs on its own
 * port with hot_standby (read-only queries). Resolves once the primary reports it streaming (and,
 * when synchronous, once it is the synchronous standby). The default pg_hba.conf of initdb
 * already trusts replication connections from loopback.
 */
export async function startStandby(primary: RunningPostgres, options: StandbyOptions = {}): Promise<RunningStandby> {
  const bin = requireBinDir();
  const name = options.name ?? 'standby1';
  const dir = ownedTempDir();
  const dataDir = path.join(dir, 'data');
  const [backupProgram, backupArgs] = asClusterOwner(path.join(bin, 'pg_basebackup'), [
    '-h', '127.0.0.1', '-p', String(primary.port), '-U', SUPERUSER, '-D', dataDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync',
  ]);
  await run(backupProgram, backupArgs);
  const standby = await launch(bin, dir, dataDir, {
    hot_standby: 'on',
    primary_conninfo: `host=127.0.0.1 port=${primary.port} user=${SUPERUSER} application_name=${name}`,
  });
  // Set after the base backup, so the standby's copy of postgresql.auto.conf does not carry it:
  // promoted, it would otherwise wait at every COMMIT for a standby it does not have.
  if (options.synchronous) await onDatabase(primary.url, async (client) => {
    await client.query(`ALTER SYSTEM SET synchronous_standby_names = '${name}'`);
    await client.query('SELECT pg_reload_conf()');
  });
  await waitForReplication(primary.url, name, options.synchronous ? 'sync' : 'async');
  return {
    ...standby,
    async promote() {
      const [program, args] = asClusterOwner(path.join(bin, 'pg_ctl'), ['promote', '-D', dataDir, '-w', '-t', '60']);
      await run(program, args);
    },
  };
}

function requireBinDir(): string {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server programs not found under /usr/lib/postgresql (Debian package postgresql-15)');
  return bin;
}

/** A temp directory the cluster owner can write (its data directory and Unix sockets go in it). */
function ownedTempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, ...postgresOwner());
  return dir;
}

/** Runs the postmaster of `dataDir` in the foreground on a free loopback port and waits until it accepts connections. */
async function launch(bin: string, dir: string, dataDir: string, extra: Readonly<Record<string, string>>): Promise<RunningPostgres> {
  const port = await freeLoopbackPort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    max_connections: '200',
    ...extra,
  };
  const [program, args] = asClusterOwner(
    path.join(bin, 'postgres'),
    ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
  );
  const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  await waitUntilReady(url, child, () => log);
  let stopped: Promise<void> | null = null;
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    ...databasesAt(url),
    dataDir,
    pid: child.pid!,
    async kill9() {
      if (exited()) return;
      // A crashed host: the postmaster and its backends die at once, none gets to answer or flush.
      const backends = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((pid) => pid > 0);
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      for (const pid of backends) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone: it exited between ps and the signal.
        }
      }
      await gone;
    },
    stop() {
      stopped ??= (async () => {
        if (!exited()) {
          const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGINT');
          await gone;
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * The databases of the cluster whose maintenance database is `url`. Names are unique per process
 * (pid and a counter), so test files in other workers can share the cluster.
 */
export function databasesAt(url: string): PostgresDatabases {
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    async createDatabase(name = `t${process.pid}_${++databaseCounter}`, options = {}) {
      await onDatabase(url, (client) => client.query(`CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ''}`));
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(databaseUrl: string) {
      await onDatabase(url, (client) => client.query(`DROP DATABASE ${new URL(databaseUrl).pathname.slice(1)}`));
    },
  };
}

/** One statement on a database of the cluster (CREATE/DROP DATABASE cannot run in a transaction). */
async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Until pg_stat_replication on the primary shows the standby `name` streaming in `state` (§28.2.3). */
async function waitForReplication(primaryUrl: string, name: string, state: 'sync' | 'async'): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await onDatabase(primaryUrl, (client) =>
      client.query<{ sync_state: string }>("SELECT sync_state FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'", [name]),
    );
    if (rows[0]?.sync_state === state) return;
    if (Date.now() > deadline) throw new Error(`standby ${name} not streaming as ${state}: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Debian's `postgres` system user and group, the owner of the cluster's files when we run as root. */
function postgresOwner(): [number, number] {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return [id('-u'), id('-g')];
}

async function waitUntilReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`postgres exited: ${log()}`);
    // A client whose connect failed is not ended: pg's end() then waits for a socket that never opened.
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections: ${(error as Error).message}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
