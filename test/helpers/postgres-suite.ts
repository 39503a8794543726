import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres, type RunningPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the suite's cluster writes `{ url }` once it accepts connections, or `{ error }`. */
    postgresReadyFile: string;
  }
}

/**
 * vitest globalSetup: one private PostgreSQL cluster for the whole run, in which each test file
 * that only needs databases of its own creates them (clusterForThisFile,
 * test/helpers/postgres-cluster.ts). A cluster per file cost each of them initdb and a postmaster
 * start, 5–12 s on this loaded 2-core machine. Files that stop, kill or configure their cluster
 * (failover, fsync off) still start their own with startPostgres().
 *
 * It starts in the background, so a run without PostgreSQL tests waits for nothing; the result is
 * published through a file (written whole, then renamed) because the workers are other processes.
 */
let starting: Promise<RunningPostgres | null> | undefined;
let dir: string | undefined;

export function setup(project: TestProject): void {
  dir = mkdtempSync(path.join(os.tmpdir(), 'cm-pg-suite-'));
  const readyFile = path.join(dir, 'ready.json');
  project.provide('postgresReadyFile', readyFile);
  const publish = (ready: { url: string } | { error: string }) => {
    writeFileSync(`${readyFile}.part`, JSON.stringify(ready));
    renameSync(`${readyFile}.part`, readyFile);
  };
  // Several files at once, each with a pool per server node and change listeners: more than
  // startPostgres's 200 connections could be in use.
  starting = startPostgres({ settings: { max_connections: '500' } }).then(
    (cluster) => {
      publish({ url: cluster.url });
      return cluster;
    },
    (error: unknown) => {
      publish({ error: error instanceof Error ? error.message : String(error) });
      return null;
    },
  );
}

export async function teardown(): Promise<void> {
  await (await starting)?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
