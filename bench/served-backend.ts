/**
 * The store a served bench runs on (`--backend sqlite|postgres|both`, default sqlite): for
 * PostgreSQL a private cluster of Debian's `postgresql-15` (test/helpers/postgres.ts, the one the
 * tests start: fsync and synchronous_commit on, as the product runs it) and the `[store]` keys of
 * docs/postgres.en.md "Starting serve on PostgreSQL" for the served config. The data directory's
 * SQLite file keeps the directory, Sieve and Bayes on both backends, as in production.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { loadConfig } from '../src/config/index.js';
import { openDatabase, openPostgresPool, PgMailStore, SqliteMailStore, type MailStore } from '../src/store/index.js';
import { startPostgres, type RunningPostgres } from '../test/helpers/postgres.js';
import { runProcess, type ReadmeServer } from '../test/interop/readme-server.js';
import { cpuOfProcessTree } from './reference/processes.js';

export type ServedBackend = 'sqlite' | 'postgres';

/** `[store] postgres_pool`: the shipped default, per node. */
const POSTGRES_POOL = 20;

/** The backends of `--backend`, in the order their first runs go. */
export function servedBackends(option: string): ServedBackend[] {
  const choices: Record<string, ServedBackend[]> = { sqlite: ['sqlite'], postgres: ['postgres'], both: ['sqlite', 'postgres'] };
  const backends = choices[option];
  if (!backends) throw new Error(`--backend wants sqlite, postgres or both, got ${JSON.stringify(option)}`);
  return backends;
}

export interface ServedStore {
  readonly backend: ServedBackend;
  /** Tables merged over the served config (startReadmeServer's `config`). */
  readonly config: Record<string, Record<string, unknown>>;
  /** The database serve's mail goes to; null on SQLite. */
  readonly postgresUrl: string | null;
  /** CPU seconds so far of the PostgreSQL processes (postmaster and backends, exited ones included); null on SQLite. */
  databaseCpu(): number | null;
  stop(): Promise<void>;
}

export async function startServedStore(backend: ServedBackend): Promise<ServedStore> {
  if (backend === 'sqlite') return { backend, config: {}, postgresUrl: null, databaseCpu: () => null, stop: async () => undefined };
  const cluster: RunningPostgres = await startPostgres();
  try {
    const url = await cluster.createDatabase('canthomail');
    return {
      backend,
      config: { store: { backend: 'postgres', postgres_url: url, postgres_pool: POSTGRES_POOL } },
      postgresUrl: url,
      databaseCpu: () => cpuOfProcessTree(cluster.pid),
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** The MailStore a served config points at, opened in this process to count or read what serve stored. */
export async function openServedMailStore(configFile: string): Promise<{ store: MailStore; close(): Promise<void> }> {
  const config = loadConfig(configFile);
  if (config.store.backend === 'sqlite') {
    const store = new SqliteMailStore(openDatabase(config.paths.database));
    return { store, close: () => store.close() };
  }
  const pool = openPostgresPool(config.store.postgres_url, { poolSize: 2 });
  const store = await PgMailStore.open(pool);
  return {
    store,
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

/**
 * A served installation filled on SQLite moved to `store` the admin's way (docs/postgres.en.md
 * "Moving an installation from SQLite"): `cantho-mail migrate --from sqlite:PATH --to URL`, the
 * `[store]` keys written into its config, serve restarted on them. serve keeps running during the
 * copy, which reads one snapshot; nothing arrives meanwhile, so the snapshot holds all the mail.
 * Resolves to the migrate command's seconds.
 */
export async function moveServedMailToPostgres(server: ReadmeServer, store: ServedStore, timeoutMs: number): Promise<number> {
  if (store.postgresUrl === null) throw new Error('moveServedMailToPostgres: the served store is SQLite');
  const started = performance.now();
  const from = `sqlite:${loadConfig(server.configFile).paths.database}`;
  const args = [path.resolve('bin/cantho-mail.mjs'), '--config', server.configFile, 'migrate', '--from', from, '--to', store.postgresUrl];
  const migrated = await runProcess(process.execPath, args, { cwd: server.dir, timeoutMs });
  if (migrated.code !== 0) throw new Error(`cantho-mail migrate failed: ${migrated.stderr}${migrated.stdout}`);
  const seconds = (performance.now() - started) / 1000;
  const config = parseToml(readFileSync(server.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const [table, values] of Object.entries(store.config)) config[table] = { ...config[table], ...values };
  writeFileSync(server.configFile, stringifyToml(config));
  await server.restart();
  return seconds;
}
