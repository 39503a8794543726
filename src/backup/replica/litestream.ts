import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/index.js';

/**
 * Litestream 0.3 (https://litestream.io) from the npm package `@flydotio/litestream-<platform>-<arch>`
 * (an optional dependency: linux-x64, the platform the registry we install from carries; elsewhere
 * install that platform's package or put the binary there). We run the binary directly, not the
 * `@flydotio/litestream` wrapper script, because the wrapper neither passes on the exit status nor
 * forwards signals (a SIGTERM would leave Litestream running).
 */

export function litestreamBinary(): string {
  const require = createRequire(import.meta.url);
  const manifest = `@flydotio/litestream-${process.platform}-${process.arch}/package.json`;
  try {
    return path.join(path.dirname(require.resolve(manifest)), 'litestream');
  } catch {
    throw new Error(`Litestream is not installed for ${process.platform}-${process.arch} (npm package ${manifest.replace('/package.json', '')})`);
  }
}

/** Go duration for Litestream's config ("1500ms"). */
const goDuration = (ms: number): string => `${ms}ms`;

/**
 * Litestream's replica entry for `[replica]`: a file replica (tests, a second disk) or any
 * S3-compatible store; with an `endpoint` (MinIO, Ceph RGW) path-style addressing is used, as
 * those stores expect. Credentials are never in our config: Litestream reads
 * LITESTREAM_ACCESS_KEY_ID and LITESTREAM_SECRET_ACCESS_KEY from the environment.
 */
function replicaEntry(replica: Config['replica']): Record<string, unknown> {
  const timing = {
    'sync-interval': goDuration(replica.sync_interval),
    'snapshot-interval': goDuration(replica.snapshot_interval),
    retention: goDuration(replica.retention),
  };
  if (replica.url.startsWith('file://')) return { type: 'file', path: new URL(replica.url).pathname, ...timing };
  return {
    url: replica.url,
    region: replica.region,
    ...(replica.endpoint === '' ? {} : { endpoint: replica.endpoint, 'force-path-style': true }),
    ...timing,
  };
}

/**
 * Writes Litestream's config (JSON, which its YAML reader accepts) to a private temp directory;
 * returns its path and the function that removes it. `metricsAddr`: where Litestream serves its
 * Prometheus metrics, read by the supervisor for the lag.
 */
export function writeLitestreamConfig(config: Config, metricsAddr?: string): { file: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cantho-mail-litestream-'));
  const file = path.join(dir, 'litestream.yml');
  const document = {
    ...(metricsAddr === undefined ? {} : { addr: metricsAddr }),
    dbs: [{ path: config.paths.database, replicas: [replicaEntry(config.replica)] }],
  };
  writeFileSync(file, JSON.stringify(document, null, 2), { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
