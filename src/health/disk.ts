import { statfsSync } from 'node:fs';
import type { ComponentHealth } from './monitor.js';

/**
 * Below this much free space on the data directory's file system, `disk` is degraded: SQLite
 * needs room for its WAL and a checkpoint, and a full disk refuses every message (452).
 */
const MIN_FREE_BYTES = 1024 ** 3;
const MIN_FREE_FRACTION = 0.05;

/** `disk`: free space where the database lives. */
export function diskCheck(dataDir: string): () => ComponentHealth {
  return () => {
    const stats = statfsSync(dataDir);
    const free = stats.bavail * stats.bsize;
    const total = stats.blocks * stats.bsize;
    const detail = `${formatBytes(free)} free of ${formatBytes(total)} in ${dataDir}`;
    const low = free < MIN_FREE_BYTES || (total > 0 && free / total < MIN_FREE_FRACTION);
    return { status: low ? 'degraded' : 'ok', detail: low ? `${detail}: add space before mail is refused` : detail };
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${(bytes / 1024 ** 2).toFixed(0)} MB`;
}
