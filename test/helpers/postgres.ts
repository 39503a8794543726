import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freeLoopbackPort } from './ports.js';

const run = promisify(execFile);

/** A private PostgreSQL cluster of the test's own: its data directory, port and superuser. */
export interface RunningPostgres {
  /** `postgres://cantho@127.0.0.1:PORT/postgres`: the maintenance database, for CREATE DATABASE. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** The postmaster's pid (kill -9 in failover tests). */
  readonly pid: number;
  /** A new database in this cluster (empty, or a copy of `template`); resolves to its URL. */
  createDatabase(name?: string, options?: { readonly template?: string }): Promise<string>;
  /** Drops the database of `url` (its pages then never reach the disk at the shutdown checkpoint). */
  dropDatabase(url: string): Promise<void>;
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
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server programs not found under /usr/lib/postgresql (Debian package postgresql-15)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cm-pg-'));
  const dataDir = path.join(dir, 'data');
  if (process.getuid?.() === 0) chownSync(dir, ...postgresOwner());
  const [initProgram, initArgs] = asClusterOwner(path.join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  await run(initProgram, initArgs);
  const port = await freeLoopbackPort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    max_connections: '200',
    ...options.settings,
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
  return {
    url,
    port,
    dataDir,
    pid: child.pid!,
    async createDatabase(name = `t${process.pid}_${++databaseCounter}`, options = {}) {
      await maintenance(url, `CREATE DATABASE ${name}${options.template ? ` TEMPLATE ${options.template}` : ''}`);
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    async dropDatabase(databaseUrl: string) {
      await maintenance(url, `DROP DATABASE ${new URL(databaseUrl).pathname.slice(1)}`);
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGINT');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** One statement on the maintenance database (CREATE/DROP DATABASE cannot run in a transaction). */
async function maintenance(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
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
